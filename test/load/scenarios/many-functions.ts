import { sleepFunction, type Scenario } from '../scenario.js';

export const MANY_FUNCTIONS = 25;

/** Many cold functions at once: every one must come up from zero while they all compete for 2 cores. */
export const manyFunctions: Scenario = {
  name: 'many-functions',
  summary: `${MANY_FUNCTIONS} functions scaled to zero, then 4 callers on each at once for 10 s`,
  plan: () => ({
    name: 'many-functions',
    summary: `${MANY_FUNCTIONS} sleep functions (load-fn-01..${MANY_FUNCTIONS}) at 0 pods, then 4 callers on each at once for 10 s`,
    functions: Array.from({ length: MANY_FUNCTIONS }, (_, i) => sleepFunction(`load-fn-${String(i + 1).padStart(2, '0')}`)),
    startFromZero: true,
    phases: [{ label: '4 callers each', durationMs: 10_000, callers: 4 }],
  }),
};
