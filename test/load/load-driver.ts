import { performance } from 'node:perf_hooks';
import { request, type Dispatcher } from 'undici';
import { callersAt, peakCallers } from './load-plan.js';
import type { FunctionUnderLoad, LoadPhase } from './scenario.js';
import type { Outcome } from './stats.js';

export interface RequestRecord {
  /** Index into the scenario's functions. */
  fn: number;
  /** ms since the run started. */
  startMs: number;
  latencyMs: number;
  outcome: Outcome;
}

export interface DriveOptions {
  url: string;
  functions: readonly FunctionUnderLoad[];
  phases: readonly LoadPhase[];
  dispatcher: Dispatcher;
  elapsedMs: () => number;
  signal: AbortSignal;
  /** True once none of the functions has a pod in a poll made after `sinceMs` (for `endsAtZeroPods`). */
  noPodsSince: (sinceMs: number) => boolean;
  /** The gateway holds a request up to 30 s while a pod starts; a caller waits a little longer. */
  requestTimeoutMs?: number;
}

export interface DriveResult {
  records: RequestRecord[];
  /** When each phase started (ms since the run's start); a phase never reached has no entry. */
  phaseStartsMs: number[];
  endMs: number;
}

/** How often the controller re-reads the plan (ramps move, idle callers wake). */
const TICK_MS = 50;
/** Bounds on what one run may do, whatever the clock says: loops per caller, records kept. */
const MAX_LOOPS_PER_CALLER = 1_000_000;
const MAX_RECORDS = 2_000_000;

/**
 * Runs the phases: per function, `peakCallers` caller loops, of which the first `callersAt(now)`
 * call back to back (closed loop: a caller sends its next request when the last one answers) and
 * the rest wait for the next tick. Resolves once the last phase ended and every caller returned.
 */
export async function driveLoad(options: DriveOptions): Promise<DriveResult> {
  const records: RequestRecord[] = [];
  const control = startPhaseControl(options);
  const call = (fn: number) => callOnce(options, fn, records);
  const callers = options.functions.flatMap((_, fn) =>
    Array.from({ length: peakCallers(options.phases) }, async (_unused, index) => {
      for (let n = 0; n < MAX_LOOPS_PER_CALLER && !control.done() && !options.signal.aborted; n++) {
        if (index < control.callers()) await call(fn);
        else await control.nextTick();
      }
    }),
  );
  await control.finished;
  await Promise.all(callers);
  return { records, phaseStartsMs: control.startsMs, endMs: control.endMs() };
}

interface PhaseControl {
  callers(): number;
  done(): boolean;
  nextTick(): Promise<void>;
  startsMs: number[];
  endMs(): number;
  finished: Promise<void>;
}

/** Moves through the phases on the run's clock and says how many callers each function should have. */
function startPhaseControl(options: DriveOptions): PhaseControl {
  const { phases, elapsedMs } = options;
  const startsMs = [elapsedMs()];
  let phase = 0;
  let callers = phases[0] ? callersAt(phases[0], 0) : 0;
  let done = phases.length === 0;
  let endMs = startsMs[0]!;
  let tick = deferred();
  const finished = (async () => {
    const maxTicks = phases.reduce((sum, p) => sum + p.durationMs, 0) / TICK_MS + phases.length * 20 + 10;
    for (let i = 0; i < maxTicks && !done && !options.signal.aborted; i++) {
      const current = phases[phase]!;
      const phaseStart = startsMs[phase]!;
      await sleep(Math.max(0, Math.min(TICK_MS, phaseStart + current.durationMs - elapsedMs())));
      const now = elapsedMs();
      if (now - phaseStart >= current.durationMs || (current.endsAtZeroPods && options.noPodsSince(phaseStart))) {
        phase++;
        if (phase >= phases.length) break;
        startsMs.push(now);
      }
      callers = callersAt(phases[phase]!, now - startsMs[phase]!);
      tick.resolve();
      tick = deferred();
    }
    done = true;
    endMs = elapsedMs();
    tick.resolve();
  })();
  return { callers: () => callers, done: () => done, nextTick: () => tick.promise, startsMs, endMs: () => endMs, finished };
}

async function callOnce(options: DriveOptions, fn: number, records: RequestRecord[]): Promise<void> {
  const target = options.functions[fn]!;
  const startMs = options.elapsedMs();
  const started = performance.now();
  let outcome: Outcome;
  try {
    const timeout = options.requestTimeoutMs ?? 35_000;
    const res = await request(`${options.url}/fn/default/${target.name}${target.call}`, {
      dispatcher: options.dispatcher,
      signal: options.signal,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    await res.body.dump();
    outcome = res.statusCode;
  } catch (error) {
    if (options.signal.aborted) return; // stopping, not a failure of Tide
    outcome = (error as { code?: string }).code ?? (error as Error).name;
  }
  if (records.length < MAX_RECORDS) records.push({ fn, startMs, latencyMs: performance.now() - started, outcome });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A promise and its resolve (Promise.withResolvers is not in Node 20). */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
