/**
 * The logs topic: what pods print, shipped by their node agents in batches. Never on the state
 * stream (it carries changes, not output); `tide logs` reads it.
 */
export const LOGS_TOPIC = 'tide.logs';

export interface PodLogLine {
  namespace: string;
  function: string;
  /** The revision the pod runs; absent in lines shipped before it was recorded. */
  revision?: string;
  pod: string;
  stream: 'stdout' | 'stderr';
  /** The W3C trace id of the call the line was written in; absent for a line written outside any traced call. */
  traceId?: string;
  /** Epoch ms at which the node read the line. */
  at: number;
  line: string;
}

/** One node's lines for one flush interval. */
export interface PodLogBatch {
  kind: 'pod-logs';
  node: string;
  lines: PodLogLine[];
}

export function encodePodLogBatch(batch: PodLogBatch): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(batch));
}

/** A record of the logs topic, or undefined for one this version does not know. */
export function decodePodLogBatch(bytes: Uint8Array): PodLogBatch | undefined {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as Partial<PodLogBatch>;
    return parsed.kind === 'pod-logs' && typeof parsed.node === 'string' && Array.isArray(parsed.lines) ? (parsed as PodLogBatch) : undefined;
  } catch {
    return undefined;
  }
}
