import type { LatencyBuckets } from './latency-buckets.js';

/**
 * The metrics topic: what gateways saw per function per interval. Never on the state stream
 * (design §4: it carries changes, not samples); autoscalers and `tide autoscale replay` read it.
 */
export const METRICS_TOPIC = 'tide.metrics';

export interface FunctionLoad {
  namespace: string;
  name: string;
  /** Average requests in flight (waiting for a pod or at one) over the interval. */
  concurrency: number;
  /** Requests that arrived in the interval. */
  requests: number;
  /** Requests waiting for a pod at the end of the interval. */
  waiting: number;
  /** Requests in flight (waiting or at a pod) at the end of the interval. */
  inFlight?: number;
  /**
   * The W3C trace context of a request waiting for a pod (the oldest): the scale decision it
   * causes, and the pod that decision makes, continue that request's trace (a cold start is one trace).
   */
  wake?: string;
  /** Calls answered in the interval (`tide top`); absent from gateways older than these fields. */
  completed?: number;
  /** Of those, answered 5xx or not at all. */
  errors?: number;
  /** Their latency, arrival to end of answer, as counts per bucket (latency-buckets.ts). */
  latencyBuckets?: LatencyBuckets;
  /** Calls that arrived to no ready pod and waited for one to start. */
  coldStarts?: number;
}

/** One gateway's report for one interval. */
export interface LoadReport {
  kind: 'gateway-load';
  /** Which gateway: reports of several gateways for the same second add up. */
  source: string;
  /** Epoch ms at the end of the interval. */
  at: number;
  intervalMs: number;
  samples: FunctionLoad[];
}

export interface FunctionCpu {
  namespace: string;
  name: string;
  /** Average CPU per pod of the function on this node over the interval, in millicores. */
  cpuMilli: number;
  pods: number;
}

/** One node's report of the CPU its pods used (the input of the HPA-style 'cpu' metric). */
export interface CpuReport {
  kind: 'pod-cpu';
  source: string;
  at: number;
  intervalMs: number;
  samples: FunctionCpu[];
}

/** What a trigger (or the async queue) has waiting for one function: the KEDA-style signal. */
export interface TriggerLag {
  namespace: string;
  /** The function the records are for. */
  name: string;
  /** The trigger's name, or `async` for the function's queue of async calls. */
  trigger: string;
  /** Records (or calls) not yet done: end offsets minus committed positions. */
  lag: number;
  /**
   * Calls that could run at once now: the partitions with lag (ordering: partition), the distinct
   * keys waiting (ordering: key), or the lag itself (none, async): more pods than this cannot help.
   */
  parallelism: number;
}

/** The triggers process's report of its lag per function (the input of scaling on lag). */
export interface TriggerLagReport {
  kind: 'trigger-lag';
  source: string;
  at: number;
  intervalMs: number;
  samples: TriggerLag[];
}

export type MetricsReport = LoadReport | CpuReport | TriggerLagReport;

export function encodeMetricsReport(report: MetricsReport): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(report));
}

/** A record of the metrics topic, or undefined for one this version does not know. */
export function decodeMetricsReport(bytes: Uint8Array): MetricsReport | undefined {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as Partial<MetricsReport>;
    const known = parsed.kind === 'gateway-load' || parsed.kind === 'pod-cpu' || parsed.kind === 'trigger-lag';
    return known && Array.isArray(parsed.samples) && typeof parsed.at === 'number' ? (parsed as MetricsReport) : undefined;
  } catch {
    return undefined;
  }
}

export const encodeLoadReport: (report: LoadReport) => Uint8Array = encodeMetricsReport;

export function decodeLoadReport(bytes: Uint8Array): LoadReport | undefined {
  const report = decodeMetricsReport(bytes);
  return report?.kind === 'gateway-load' ? report : undefined;
}
