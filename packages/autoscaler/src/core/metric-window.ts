import { lagDemand, withLag, type LagDemand, type LagLevel } from './lag.js';
import { heldInFlight, keptLevels, waitingIn, withLevel, type WaitingLevel } from './waiting.js';

/**
 * Per-function metric samples bucketed by second. Immutable: every function returns a new window
 * and leaves its argument as it was.
 */

/** One report from one gateway (or node agent, for CPU) about one function. */
export interface Sample {
  /** Epoch ms at which the sample's interval ended. */
  readonly at: number;
  /** Average in-flight requests over the interval, summed over every gateway reporting. */
  readonly concurrency: number;
  /** Requests that arrived in the interval. */
  readonly requests: number;
  /** Average CPU used per pod of the function over the interval, in millicores. */
  readonly cpuMilli?: number;
  /** Requests waiting for a pod (or in flight) at `at`: a level at that moment, see waiting.ts. */
  readonly waiting?: number;
  /** Who reported the sample; a reporter's newer waiting level replaces its older one. */
  readonly source?: string;
  /** A trigger's consumer lag for the function (a triggers process's report): a level, see lag.ts. */
  readonly lag?: { readonly trigger: string; readonly lag: number; readonly parallelism: number };
}

/** Everything reported for one second. Counts add up; CPU is a per-pod level, so it is averaged. */
export interface MetricBucket {
  /** floor(at / 1000) of the samples it holds. */
  readonly second: number;
  readonly concurrency: number;
  readonly requests: number;
  readonly cpuMilliSum: number;
  readonly cpuReports: number;
}

export interface MetricWindow {
  /** Ascending by second, at most one bucket per second. */
  readonly buckets: readonly MetricBucket[];
  /** First sample since the window was last empty: averages never reach back before it. */
  readonly startedAt?: number;
  /** Newest sample with requests > 0. Kept apart from the buckets so it outlives them. */
  readonly lastRequestAt?: number;
  /** The newest waiting level of each reporter, while it may still count (see waiting.ts). */
  readonly waiting?: readonly WaitingLevel[];
  /** The newest lag level of each of the function's triggers, while it may still count (see lag.ts). */
  readonly lags?: readonly LagLevel[];
}

export const emptyWindow: MetricWindow = Object.freeze({ buckets: Object.freeze([]) });

export class InvalidSampleError extends Error {
  constructor(
    readonly field: keyof Sample,
    readonly value: unknown,
  ) {
    super(`metric sample: ${field} must be a finite number ≥ 0 (got ${String(value)})`);
    this.name = 'InvalidSampleError';
  }
}

/** The second a timestamp falls in. */
export const secondOf = (ms: number): number => Math.floor(ms / 1000);

/** Whole seconds a span covers: 6_000 → 6, 2_500 → 3, and never less than the current second. */
export const spanSeconds = (spanMs: number): number => Math.max(1, Math.ceil(spanMs / 1000));

/**
 * Adds one sample. Samples of the same second (several gateways) are merged into one bucket;
 * buckets more than keepMs older than the newest one are dropped. A sample that is itself that old
 * only updates lastRequestAt. When every earlier bucket has been dropped the window starts afresh,
 * as Knative's does after a full window without data.
 */
export function addSample(window: MetricWindow, sample: Sample, keepMs: number): MetricWindow {
  checkSample(sample);
  // A lag is not load: it fills no bucket (averages and idleness are the gateways' to say).
  if (sample.lag) {
    const level = { source: sample.source ?? '', trigger: sample.lag.trigger, at: sample.at, lag: sample.lag.lag, parallelism: sample.lag.parallelism };
    return { ...window, lags: withLag(window.lags, level) };
  }
  const second = secondOf(sample.at);
  const newest = Math.max(second, window.buckets.at(-1)?.second ?? second);
  const oldestKept = newest - spanSeconds(keepMs) + 1;
  const lastRequestAt = sample.requests > 0 ? Math.max(window.lastRequestAt ?? sample.at, sample.at) : window.lastRequestAt;
  const waiting = waitingLevels(window, sample);
  if (second < oldestKept) return withMemory(window, lastRequestAt, waiting);
  const kept = window.buckets.filter((b) => b.second >= oldestKept);
  const startedAt = kept.length === 0 ? sample.at : Math.min(window.startedAt ?? sample.at, sample.at);
  return withMemory({ buckets: mergeInto(kept, second, sample), startedAt }, lastRequestAt, waiting, window.lags);
}

/** What outlives the buckets: the last request, the waiting levels and the lags. */
function withMemory(window: MetricWindow, lastRequestAt: number | undefined, waiting: readonly WaitingLevel[] | undefined, lags = window.lags): MetricWindow {
  const { lastRequestAt: _l, waiting: _w, lags: _g, ...rest } = window;
  return {
    ...rest,
    ...(lastRequestAt === undefined ? {} : { lastRequestAt }),
    ...(waiting === undefined || waiting.length === 0 ? {} : { waiting }),
    ...(lags === undefined || lags.length === 0 ? {} : { lags }),
  };
}

function waitingLevels(window: MetricWindow, sample: Sample): readonly WaitingLevel[] | undefined {
  const newestAt = Math.max(sample.at, ...(window.waiting ?? []).map((l) => l.at));
  const levels =
    sample.waiting === undefined ? window.waiting : withLevel(window.waiting ?? [], { source: sample.source ?? '', at: sample.at, waiting: sample.waiting });
  return levels && keptLevels(levels, newestAt);
}

function mergeInto(buckets: readonly MetricBucket[], second: number, sample: Sample): MetricBucket[] {
  const cpu = sample.cpuMilli === undefined ? { cpuMilliSum: 0, cpuReports: 0 } : { cpuMilliSum: sample.cpuMilli, cpuReports: 1 };
  const index = buckets.findIndex((b) => b.second >= second);
  const found = index === -1 ? undefined : buckets[index];
  if (found?.second === second) {
    const merged: MetricBucket = {
      second,
      concurrency: found.concurrency + sample.concurrency,
      requests: found.requests + sample.requests,
      cpuMilliSum: found.cpuMilliSum + cpu.cpuMilliSum,
      cpuReports: found.cpuReports + cpu.cpuReports,
    };
    return [...buckets.slice(0, index), merged, ...buckets.slice(index + 1)];
  }
  const fresh: MetricBucket = { second, concurrency: sample.concurrency, requests: sample.requests, ...cpu };
  const at = index === -1 ? buckets.length : index;
  return [...buckets.slice(0, at), fresh, ...buckets.slice(at)];
}

function checkSample(sample: Sample): void {
  if (!Number.isFinite(sample.at)) throw new InvalidSampleError('at', sample.at);
  const lag = sample.lag;
  if (lag && ![lag.lag, lag.parallelism].every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0))
    throw new InvalidSampleError('lag', `${lag.lag} (parallelism ${lag.parallelism})`);
  for (const field of ['concurrency', 'requests', 'cpuMilli', 'waiting'] as const) {
    const value = sample[field];
    if (value === undefined && (field === 'cpuMilli' || field === 'waiting')) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new InvalidSampleError(field, value);
  }
}

/**
 * The buckets of the last spanMs before now (whole seconds, the current one included) and how many
 * seconds they stand for. The span is clipped to the window's first sample, so a function that has
 * existed for 3 s is averaged over 3 s, not 60.
 */
function inSpan(window: MetricWindow, now: number, spanMs: number): { buckets: MetricBucket[]; seconds: number } {
  if (window.startedAt === undefined) return { buckets: [], seconds: 0 };
  const last = secondOf(now);
  const first = Math.max(last - spanSeconds(spanMs) + 1, secondOf(window.startedAt));
  if (first > last) return { buckets: [], seconds: 0 };
  return { buckets: window.buckets.filter((b) => b.second >= first && b.second <= last), seconds: last - first + 1 };
}

/** Average over every second of the span; a second nobody reported counts as zero (no load). */
function perSecond(window: MetricWindow, now: number, spanMs: number, value: (b: MetricBucket) => number): number {
  const { buckets, seconds } = inSpan(window, now, spanMs);
  if (seconds === 0) return 0;
  return buckets.reduce((sum, b) => sum + value(b), 0) / seconds;
}

/** Average in-flight requests over the span (all gateways together). */
export function averageConcurrency(window: MetricWindow, now: number, spanMs: number): number {
  return perSecond(window, now, spanMs, (b) => b.concurrency);
}

/** Requests that arrived per second over the span. */
export function requestsPerSecond(window: MetricWindow, now: number, spanMs: number): number {
  return perSecond(window, now, spanMs, (b) => b.requests);
}

/**
 * Average CPU per pod over the seconds of the span that carry a CPU report, or undefined if none
 * does. Unlike counts, a missing CPU report means "not measured", not "zero": pods report CPU less
 * often than gateways report requests, and zero-filling would make every function look idle.
 */
export function averageCpuMilli(window: MetricWindow, now: number, spanMs: number): number | undefined {
  const measured = inSpan(window, now, spanMs).buckets.filter((b) => b.cpuReports > 0);
  if (measured.length === 0) return undefined;
  return measured.reduce((sum, b) => sum + b.cpuMilliSum / b.cpuReports, 0) / measured.length;
}

/** Requests the gateways hold waiting for a pod at `now`, from their fresh reports only. */
export function waitingAt(window: MetricWindow, now: number): number {
  return waitingIn(window.waiting, now);
}

/** What the function's triggers' fresh lag asks for at `now`, at `targetPerPod` records per replica. */
export function lagAt(window: MetricWindow, targetPerPod: number, now: number): LagDemand {
  return lagDemand(window.lags, targetPerPod, now);
}

/** Whether a gateway's last report, not too old, said requests were in flight (see waiting.ts). */
export function inFlightAt(window: MetricWindow, now: number): boolean {
  return heldInFlight(window.waiting, now);
}

/** When the newest request arrived (end of its sample's interval), if any was ever seen. */
export function lastRequestAt(window: MetricWindow): number | undefined {
  return window.lastRequestAt;
}
