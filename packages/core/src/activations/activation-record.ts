/**
 * Activation records: what became of each async call. The async worker appends the whole record
 * each time it changes (queued, running, retrying, an end), keyed by activation id, so the
 * latest record of an id is its state. Never on the state stream.
 */
export const ACTIVATIONS_TOPIC = 'tide.activations';

export type ActivationStatus = 'queued' | 'running' | 'retrying' | 'succeeded' | 'failed' | 'dead-lettered';

/** Most bytes of a function's answer an activation keeps; a longer body is cut and marked truncated. */
export const ACTIVATION_MAX_BODY_BYTES = 64 * 1024;

export interface ActivationResult {
  status: number;
  headers: Record<string, string>;
  /** The body as text when it is UTF-8, else base64. */
  body: string;
  encoding: 'utf8' | 'base64';
  truncated?: boolean;
}

export interface ActivationRecord {
  kind: 'activation';
  id: string;
  namespace: string;
  function: string;
  status: ActivationStatus;
  /** Deliveries tried so far (1 = the first). */
  attempts: number;
  /** Epoch ms: the call was accepted; the first attempt began; the activation ended. */
  queuedAt: number;
  start?: number;
  end?: number;
  durationMs?: number;
  /** The last answer of the function (or of the gateway for it). */
  result?: ActivationResult;
  /** Why the last attempt did not succeed when there was no answer (or why it was dead-lettered). */
  error?: string;
  traceId?: string;
  /** Whether the result reached the caller's X-Callback-Url (absent: no callback asked for). */
  callback?: 'pending' | 'delivered' | 'failed';
  /** Epoch ms of this record. */
  updatedAt: number;
}

export const isEnded = (status: ActivationStatus) => status === 'succeeded' || status === 'failed' || status === 'dead-lettered';

export function encodeActivationRecord(record: ActivationRecord): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(record));
}

export function decodeActivationRecord(bytes: Uint8Array): ActivationRecord | undefined {
  try {
    const r = JSON.parse(new TextDecoder().decode(bytes)) as Partial<ActivationRecord>;
    const ok =
      r.kind === 'activation' &&
      typeof r.id === 'string' &&
      typeof r.namespace === 'string' &&
      typeof r.function === 'string' &&
      typeof r.status === 'string' &&
      typeof r.attempts === 'number' &&
      typeof r.updatedAt === 'number';
    return ok ? (r as ActivationRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** A function's answer as an activation keeps it: text if it decodes as UTF-8, else base64; at most 64 KiB. */
export function activationResultOf(status: number, headers: Record<string, string>, body: Uint8Array): ActivationResult {
  const truncated = body.byteLength > ACTIVATION_MAX_BODY_BYTES;
  const kept = truncated ? body.subarray(0, ACTIVATION_MAX_BODY_BYTES) : body;
  let text: string | undefined;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(kept);
  } catch {
    text = undefined;
  }
  const shown = text === undefined ? { body: Buffer.from(kept).toString('base64'), encoding: 'base64' as const } : { body: text, encoding: 'utf8' as const };
  return { status, headers, ...shown, ...(truncated ? { truncated: true } : {}) };
}
