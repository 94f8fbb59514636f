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

export function encodeLoadReport(report: LoadReport): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(report));
}

export function decodeLoadReport(bytes: Uint8Array): LoadReport | undefined {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as Partial<LoadReport>;
    return parsed.kind === 'gateway-load' && Array.isArray(parsed.samples) && typeof parsed.at === 'number' ? (parsed as LoadReport) : undefined;
  } catch {
    return undefined;
  }
}
