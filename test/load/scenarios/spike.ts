import { sleepFunction, type Scenario } from '../scenario.js';

/** A 30× spike between quiet stretches: panic mode should scale up at once and not flap down mid-spike. */
export const spike: Scenario = {
  name: 'spike',
  summary: '2 callers for 10 s, 60 for 10 s, 2 for 10 s (sleep?ms=50, target 5)',
  plan: () => ({
    name: 'spike',
    summary: '2 callers for 10 s, then 60 for 10 s, then 2 for 10 s (sleep?ms=50, target 5)',
    functions: [sleepFunction('load-spike')],
    startFromZero: false,
    phases: [
      { label: 'quiet', durationMs: 10_000, callers: 2 },
      { label: 'spike', durationMs: 10_000, callers: 60 },
      { label: 'quiet again', durationMs: 10_000, callers: 2 },
    ],
  }),
};
