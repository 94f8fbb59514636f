/**
 * The Dispatcher port: how the triggers process calls a function. The real one posts through the
 * gateway (so a delivery holds for a pod, wakes the function from zero and counts as load like any
 * call); tests give a fake. Every engine (Kafka triggers, cron, async calls) delivers through it.
 */

/**
 * `http`: a plain request to the function's `fetch` (a CloudEvent in binary mode, or an async call).
 * `queue` / `scheduled`: the module's Workers handler, with the bodies of @tide/runtime's
 * event-invocation.ts (`{queue, messages}` / `{cron, scheduledTime}`).
 */
export type DeliveryKind = 'http' | 'queue' | 'scheduled';

export interface Delivery {
  namespace: string;
  /** The function's name. */
  function: string;
  kind: DeliveryKind;
  /** For `http`: default POST and "/". */
  method?: string;
  path?: string;
  headers: Record<string, string>;
  body: Uint8Array | string;
  /** Aborts the call (Replace policy, shutdown). */
  signal?: AbortSignal;
}

export interface DeliveryResult {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
  /**
   * The module has no handler of the kind asked for (the runtime's 501 "function has no queue
   * handler"): with delivery `auto` the engine falls back to `fetch` with a CloudEvent.
   */
  noHandler: boolean;
}

export interface Dispatcher {
  /** Resolves with the function's answer; rejects only when no answer came (connection failed, aborted). */
  deliver(delivery: Delivery): Promise<DeliveryResult>;
}
