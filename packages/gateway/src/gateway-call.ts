import type { EndpointState } from './endpoint-pools.js';
import type { FunctionState } from './function-state.js';

/**
 * What the gateway admits, holds and hands to a pod: a proxied HTTP request (ProxyCall) or a
 * WebSocket tunnel (TunnelCall). Either counts against its pod's concurrency until it settles.
 */
export interface GatewayCall {
  readonly fn: FunctionState;
  endpoint: EndpointState | undefined;
  holdTimer: NodeJS.Timeout | undefined;
  redispatches: number;
  /** performance.now() at admission. */
  readonly admittedAt: number;
  /** The status the caller got (undefined: the connection was cut or the client left). */
  readonly status: number | undefined;
  /** It starts waiting for a pod (a proxied call opens its `hold` span and sets `wake`). */
  holding(): void;
  /** While it waits: the trace context a scale decision made for it continues (FunctionLoad.wake), if it carries one. */
  readonly wake?: string | undefined;
  dispatch(endpoint: EndpointState): void;
  /** Answers a call that never reached a pod (held too long, queue full, shutting down, gone). */
  reject(status: number, message: string, retryAfterSeconds?: number): void;
}

/** The gateway side of a call: told when a call is over, or leaves the waiting line early. */
export interface CallOwner {
  settled(call: GatewayCall): void;
  withdrawn(call: GatewayCall): void;
  /** Returns true if it took the call back to send elsewhere. */
  refused(call: GatewayCall, endpoint: EndpointState): boolean;
}
