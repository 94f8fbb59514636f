import { sleepFunction, type Scenario } from '../scenario.js';

/** A linear ramp: the stable window should track it without panicking or lagging far behind. */
export const ramp: Scenario = {
  name: 'ramp',
  summary: '1 → 40 callers linearly over 30 s (sleep?ms=50, target 5)',
  plan: () => ({
    name: 'ramp',
    summary: '1 → 40 callers linearly over 30 s (sleep?ms=50, target 5), then released for 8 s',
    functions: [sleepFunction('load-ramp')],
    startFromZero: false,
    phases: [
      { label: 'ramp', durationMs: 30_000, callers: 1, rampToCallers: 40 },
      { label: 'released', durationMs: 8_000, callers: 0 },
    ],
  }),
};
