import { keyOf, latencyQuantileMs, mergeLatencyBuckets, type FunctionLoad, type LoadReport, type Pod, type TideFunction } from '@tide/core';

/** One function's line in `tide top`: load the gateways reported, and replicas the log holds. */
export interface FunctionTopRow {
  namespace: string;
  name: string;
  /** Requests that arrived per second over the rate window, all gateways together. */
  requestsPerSecond: number;
  /** Latency percentiles of the calls answered in the rate window (absent: none answered). */
  p50Ms?: number;
  p99Ms?: number;
  /** Calls answered 5xx or not at all, per second over the rate window. */
  errorsPerSecond: number;
  /** Requests in flight (waiting or at a pod) in each gateway's latest report, added up. */
  inFlight: number;
  desiredReplicas: number;
  readyReplicas: number;
  /** Calls that waited for a pod to start, over the cold-start window. */
  coldStarts: number;
}

export interface FunctionTopInput {
  functions: readonly TideFunction[];
  pods: readonly Pod[];
  /** Gateways' load reports (any order; those outside the windows are ignored). */
  reports: readonly LoadReport[];
  now: number;
  /** Rates and percentiles are over (now − rateWindowMs, now]: 5 s smooths gateways' 1 s reports. */
  rateWindowMs: number;
  /** Cold starts are rare: counted over a longer window (60 s), so one is still seen a while later. */
  coldWindowMs: number;
}

/**
 * `tide top`'s rows, one per function given (idle ones too), sorted by namespace and name. Reports
 * of several gateways add up, so a cluster with several of them shows its whole load.
 */
export function functionTop(input: FunctionTopInput): FunctionTopRow[] {
  const { now, rateWindowMs, coldWindowMs } = input;
  const recent = input.reports.filter((r) => r.at > now - Math.max(rateWindowMs, coldWindowMs) && r.at <= now);
  const samples = new Map<string, { report: LoadReport; sample: FunctionLoad }[]>();
  for (const report of recent) {
    for (const sample of report.samples) {
      const key = keyOf(sample.namespace, sample.name);
      const seen = samples.get(key);
      if (seen) seen.push({ report, sample });
      else samples.set(key, [{ report, sample }]);
    }
  }
  const ready = new Map<string, number>();
  for (const pod of input.pods) {
    if (pod.status.phase !== 'Ready') continue;
    const key = keyOf(pod.metadata.namespace, pod.spec.function);
    ready.set(key, (ready.get(key) ?? 0) + 1);
  }
  const rows = input.functions.map((fn): FunctionTopRow => {
    const key = keyOf(fn.metadata.namespace!, fn.metadata.name);
    const seen = samples.get(key) ?? [];
    const inRateWindow = seen.filter(({ report }) => report.at > now - rateWindowMs).map(({ sample }) => sample);
    const seconds = rateWindowMs / 1000;
    const latency = mergeLatencyBuckets(inRateWindow.map((s) => s.latencyBuckets));
    const p50Ms = latencyQuantileMs(latency, 0.5);
    const p99Ms = latencyQuantileMs(latency, 0.99);
    return {
      namespace: fn.metadata.namespace!,
      name: fn.metadata.name,
      requestsPerSecond: sum(inRateWindow, (s) => s.requests) / seconds,
      ...(p50Ms === undefined ? {} : { p50Ms }),
      ...(p99Ms === undefined ? {} : { p99Ms }),
      errorsPerSecond: sum(inRateWindow, (s) => s.errors ?? 0) / seconds,
      inFlight: latestInFlight(seen.filter(({ report }) => report.at > now - rateWindowMs)),
      desiredReplicas: fn.status.desiredReplicas,
      readyReplicas: ready.get(key) ?? 0,
      coldStarts: sum(
        seen.filter(({ report }) => report.at > now - coldWindowMs).map(({ sample }) => sample),
        (s) => s.coldStarts ?? 0,
      ),
    };
  });
  return rows.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}

/** In flight now: each gateway's latest word on the function (several revisions' samples add up), summed over gateways. */
function latestInFlight(seen: readonly { report: LoadReport; sample: FunctionLoad }[]): number {
  const latest = new Map<string, { report: LoadReport; inFlight: number }>();
  for (const { report, sample } of seen) {
    const known = latest.get(report.source);
    const inFlight = sample.inFlight ?? 0;
    if (!known || report.at > known.report.at) latest.set(report.source, { report, inFlight });
    else if (report === known.report) known.inFlight += inFlight;
  }
  return sum([...latest.values()], (l) => l.inFlight);
}

function sum<T>(items: readonly T[], value: (item: T) => number): number {
  return items.reduce((total, item) => total + value(item), 0);
}
