/**
 * Async calls: the gateway appends each accepted call to the invocations topic before it answers
 * 202, and the triggers process's async worker runs it from there. Never on the state stream:
 * calls are data, not cluster state.
 */
export const INVOCATIONS_TOPIC = 'tide.invocations';

/** Lambda's limit on an async call's payload: larger bodies are refused with 413. */
export const ASYNC_MAX_BODY_BYTES = 256 * 1024;

export interface AsyncInvocation {
  kind: 'async-invocation';
  /** The activation id (a UUID), also the key of the activation's records. */
  id: string;
  namespace: string;
  function: string;
  method: string;
  /** The path under the function and the query, e.g. `/orders?x=1` (`/` for none). */
  path: string;
  /** The caller's end-to-end headers (hop-by-hop and platform headers removed). */
  headers: Record<string, string>;
  /** base64 of the body's bytes. */
  body: string;
  callbackUrl?: string;
  /** The caller's W3C trace context, so the call and its runs are one trace. */
  traceparent?: string;
  tracestate?: string;
  /** Epoch ms at which the gateway accepted the call. */
  receivedAt: number;
}

export function encodeAsyncInvocation(invocation: AsyncInvocation): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(invocation));
}

/** A record of the invocations topic, or undefined for one of another shape (skipped). */
export function decodeAsyncInvocation(bytes: Uint8Array): AsyncInvocation | undefined {
  try {
    const r = JSON.parse(new TextDecoder().decode(bytes)) as Partial<AsyncInvocation>;
    const ok =
      r.kind === 'async-invocation' &&
      typeof r.id === 'string' &&
      typeof r.namespace === 'string' &&
      typeof r.function === 'string' &&
      typeof r.method === 'string' &&
      typeof r.path === 'string' &&
      typeof r.body === 'string' &&
      typeof r.receivedAt === 'number' &&
      typeof r.headers === 'object' &&
      r.headers !== null;
    return ok ? (r as AsyncInvocation) : undefined;
  } catch {
    return undefined;
  }
}

/** A callback must be an absolute http(s) URL: anything else is the caller's mistake (400). */
export function callbackUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `X-Callback-Url ${JSON.stringify(value.slice(0, 200))} is not an absolute URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `X-Callback-Url must be http or https, not ${url.protocol.slice(0, -1)}`;
  return undefined;
}
