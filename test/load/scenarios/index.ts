import type { Scenario } from '../scenario.js';
import { burstFromZero } from './burst-from-zero.js';
import { idleToZero } from './idle-to-zero.js';
import { manyFunctions } from './many-functions.js';
import { ramp } from './ramp.js';
import { spike } from './spike.js';
import { step } from './step.js';

/** Every scenario, in the order `all` runs them. */
export const scenarios: readonly Scenario[] = [step, spike, ramp, burstFromZero, idleToZero, manyFunctions];

export function findScenario(name: string): Scenario | undefined {
  return scenarios.find((s) => s.name === name);
}
