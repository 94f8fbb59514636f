import { sleepFunction, type Scenario } from '../scenario.js';

/** Cold bursts: the gateway holds requests while the first pods start, then each larger step scales on. */
export const burstFromZero: Scenario = {
  name: 'burst-from-zero',
  summary: 'from 0 pods, bursts of 10 → 30 → 50 callers, 5 s each (sleep?ms=50, target 5)',
  plan: () => ({
    name: 'burst-from-zero',
    summary: 'scaled to 0 pods first, then 10 → 30 → 50 callers, 5 s each (sleep?ms=50, target 5)',
    functions: [sleepFunction('load-burst')],
    startFromZero: true,
    phases: [
      { label: '10 callers', durationMs: 5_000, callers: 10 },
      { label: '30 callers', durationMs: 5_000, callers: 30 },
      { label: '50 callers', durationMs: 5_000, callers: 50 },
    ],
  }),
};
