import { sleepFunction, type Scenario } from '../scenario.js';

/** After the last request, pods should be gone a little after scaleToZeroAfterSeconds (5 s), not never. */
export const idleToZero: Scenario = {
  name: 'idle-to-zero',
  summary: '10 callers for 10 s, then none: time until 0 pods (scale-to-zero-after 5 s)',
  plan: () => ({
    name: 'idle-to-zero',
    summary: '10 callers for 10 s, then none until 0 pods (scale-to-zero-after 5 s, at most 60 s)',
    functions: [sleepFunction('load-idle')],
    startFromZero: false,
    phases: [
      { label: '10 callers', durationMs: 10_000, callers: 10 },
      { label: 'idle', durationMs: 60_000, callers: 0, endsAtZeroPods: true },
    ],
  }),
};
