import { sleepFunction, type Scenario } from '../scenario.js';

export const DEFAULT_STEP_CALLERS = 20;

/** 0 → N callers at once, held 20 s: how fast does capacity follow a square wave, and how far does it overshoot? */
export const step: Scenario = {
  name: 'step',
  summary: `0 → N callers (--callers, default ${DEFAULT_STEP_CALLERS}) of sleep?ms=50 at target 5, held 20 s, then released`,
  plan: ({ callers = DEFAULT_STEP_CALLERS }) => ({
    name: 'step',
    summary: `0 → ${callers} callers of sleep?ms=50 (target 5), held 20 s, then released for 8 s`,
    functions: [sleepFunction('load-step')],
    startFromZero: false,
    phases: [
      { label: 'baseline', durationMs: 2_000, callers: 0 },
      { label: `${callers} callers`, durationMs: 20_000, callers },
      { label: 'released', durationMs: 8_000, callers: 0 },
    ],
  }),
};
