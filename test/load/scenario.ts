/**
 * A load scenario as data: which functions to deploy, whether to start from zero pods, and the
 * phases of callers each function gets. The runner, driver and report read only this shape.
 */

/** How one function is deployed (`tide deploy <dir> --name <name> --min ... `) and called. */
export interface FunctionUnderLoad {
  name: string;
  /** The example function's directory, relative to the repository root. */
  dir: string;
  /** Path and query appended to `/fn/default/<name>`. */
  call: string;
  scale: { min: number; max: number; target: number; scaleToZeroAfterSeconds: number; stableWindowSeconds: number };
}

/** A stretch of the run with a number of concurrent callers per function. */
export interface LoadPhase {
  label: string;
  durationMs: number;
  /** Concurrent callers per function at the phase start. */
  callers: number;
  /** When set, callers change linearly to this by the phase end (a ramp). */
  rampToCallers?: number;
  /** Ends the phase early once the scenario's functions have no pods left (idle → zero). */
  endsAtZeroPods?: boolean;
}

export interface ScenarioPlan {
  name: string;
  /** One line for `npm run load -- list` and the report header. */
  summary: string;
  functions: FunctionUnderLoad[];
  /** Wait until the functions have no pods before the first phase (they deploy with one). */
  startFromZero: boolean;
  phases: LoadPhase[];
}

/** What a scenario may take from the command line; each scenario says which it honours. */
export interface ScenarioOptions {
  callers?: number;
}

export interface Scenario {
  name: string;
  summary: string;
  plan(options: ScenarioOptions): ScenarioPlan;
}

/** The autoscaling settings every scenario uses unless it says otherwise (fast to react, fast to idle). */
export const QUICK_SCALE = { min: 0, max: 20, target: 5, scaleToZeroAfterSeconds: 5, stableWindowSeconds: 6 } as const;

/** The sleep function (waits 50 ms per call, no CPU), deployed as `name` with QUICK_SCALE. */
export function sleepFunction(name: string, scale: Partial<FunctionUnderLoad['scale']> = {}): FunctionUnderLoad {
  return { name, dir: 'functions/sleep', call: '?ms=50', scale: { ...QUICK_SCALE, ...scale } };
}
