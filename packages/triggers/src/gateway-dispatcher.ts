import { Pool } from 'undici';
import type { Delivery, DeliveryResult, Dispatcher } from './dispatcher.js';

export interface GatewayDispatcherOptions {
  /** The gateway's origin, e.g. "http://127.0.0.1:8080". */
  gatewayUrl: string;
  /** The gateway's component token: without it the gateway strips `tide-invoke`, and queue()/scheduled() cannot be reached. */
  componentToken?: string;
  /** Keep-alive connections to the gateway; default 128 (calls wait at the gateway for a pod, so many are open at once). */
  connections?: number;
}

export interface GatewayDispatcher extends Dispatcher {
  /** Closes the connections (calls in flight finish first). */
  close(): Promise<void>;
}

/** What the runtime answers for a module without the handler asked for: 501 "function has no queue handler". */
const NO_HANDLER = /has no \w+ handler/;

/**
 * The real Dispatcher: every delivery is a call through the gateway, so it holds for a pod, wakes
 * the function from zero and counts as load like any call. `http` goes to
 * `/fn/{ns}/{name}{path}`; `queue` / `scheduled` are a POST with `tide-invoke` and the gateway's
 * component token (the gateway passes `tide-invoke` on only from Tide's components).
 */
export function gatewayDispatcher(options: GatewayDispatcherOptions): GatewayDispatcher {
  const origin = new URL(options.gatewayUrl).origin;
  // No timeouts of undici's own: the gateway answers 503/504 within the function's timeout.
  const pool = new Pool(origin, { connections: options.connections ?? 128, headersTimeout: 0, bodyTimeout: 0 });
  return {
    async deliver(delivery: Delivery): Promise<DeliveryResult> {
      const { method, path, headers } = requestOf(delivery, options.componentToken);
      try {
        const res = await pool.request({ method, path, headers, body: delivery.body, signal: delivery.signal ?? null });
        const body = new Uint8Array(await res.body.arrayBuffer());
        const status = res.statusCode;
        return { status, headers: flatHeaders(res.headers), body, noHandler: status === 501 && NO_HANDLER.test(Buffer.from(body).toString('utf8')) };
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`delivery (${delivery.kind}) to ${delivery.namespace}/${delivery.function} through ${origin} got no answer: ${reason}`, { cause: error });
      }
    },
    close: () => pool.close(),
  };
}

function requestOf(delivery: Delivery, componentToken: string | undefined): { method: string; path: string; headers: Record<string, string> } {
  const base = `/fn/${delivery.namespace}/${delivery.function}`;
  if (delivery.kind === 'http') {
    const path = delivery.path === undefined || delivery.path === '' ? '/' : delivery.path.startsWith('/') || delivery.path.startsWith('?') ? delivery.path : `/${delivery.path}`;
    return { method: delivery.method ?? 'POST', path: `${base}${path}`, headers: { ...delivery.headers } };
  }
  const headers: Record<string, string> = { 'content-type': 'application/json', ...delivery.headers, 'tide-invoke': delivery.kind };
  if (componentToken !== undefined) headers['tide-component-token'] = componentToken;
  return { method: 'POST', path: `${base}/`, headers };
}

function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
