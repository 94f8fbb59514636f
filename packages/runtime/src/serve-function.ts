import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { getRequestListener, type HttpBindings } from '@hono/node-server';
import type { CallSlots } from './call-slots.js';
import { eventHandler, INVOKE_HEADER, lacking } from './event-invocation.js';
import { callerMount, redirectUnderPrefix, toCallerUrl } from './forwarded-url.js';
import { type FetchHandler, type FunctionEnv, resolveHandlers } from './function-handler.js';
import { invokeFunction, textResponse } from './invoke-function.js';
import { serveUpgrades } from './websocket-upgrade.js';
import { createWorkTracker } from './work-tracker.js';
import { beginTracedCall, headerValue, type SpanReporting, type TracedCall } from './traced-call.js';
import { currentCallTrace, trackTracedWork } from './call-trace.js';

export interface ServeOptions {
  /** 0 = any free port. */
  port?: number;
  host?: string;
  /** Listen on this unix socket instead of a TCP port (the warm pool's warm-up; `port` is then 0). */
  socketPath?: string;
  timeoutMs: number;
  /** Handed to the function as its `env` argument. */
  env?: FunctionEnv;
  /**
   * Told of every call that carried a sampled W3C `traceparent` (its invoke span, with the function's
   * spans), once its response has ended, and of function spans that end later. Absent: no invoke
   * span, and the function sees the caller's traceparent.
   */
  spans?: SpanReporting;
  /** Every call is recorded here for a watchdog thread (main.ts starts one); absent = unwatched. */
  calls?: CallSlots;
  /**
   * Starts the thread that reads `calls`, off the cold start's path: once the first readiness probe
   * has been answered, or before the first call runs at the latest (a busy loop would keep a
   * deferred start from ever happening). Called once.
   */
  startWatchdog?: () => void;
}

export interface ServedFunction {
  port: number;
  /** Stops accepting, lets in-flight requests and waitUntil work finish (up to timeoutMs), then closes. */
  close(): Promise<void>;
}

/** Header the node agent's readiness probe carries; the runtime answers it without calling the function. */
export const PROBE_HEADER = 'tide-probe';

/**
 * Serves a function module over HTTP/1.1 (keep-alive, streamed bodies). The module is an imported
 * namespace (`{ default: ... }`) or a bare handler; see resolveHandlers. A call with a `tide-invoke`
 * header goes to its scheduled or queue handler (event-invocation.ts).
 */
export async function serveFunction(module: unknown, options: ServeOptions): Promise<ServedFunction> {
  const handlers = resolveHandlers(module);
  const fetchHandler: FetchHandler = handlers.fetch ?? (() => lacking('fetch'));
  const env = options.env ?? {};
  const work = createWorkTracker();
  let draining = false;
  let calls = 0;

  let startWatchdog = options.startWatchdog;
  const watchdogNow = () => {
    startWatchdog?.();
    startWatchdog = undefined;
  };

  const listener = getRequestListener((request, bindings) => {
    const { incoming, outgoing } = bindings as HttpBindings; // node:http server, never http2
    if (incoming.headers[PROBE_HEADER] === 'readiness') {
      if (startWatchdog) setImmediate(watchdogNow); // after this answer has gone out
      return textResponse(draining ? 503 : 200, draining ? 'draining' : 'ready');
    }
    if (startWatchdog) watchdogNow();
    // While draining, tell keep-alive clients to take their next request elsewhere.
    if (draining) outgoing.shouldKeepAlive = false;
    work.track(new Promise<void>((resolve) => outgoing.once('close', resolve)));
    const first = calls++ === 0;
    const requestId = headerValue(incoming.headers['x-request-id']) ?? randomUUID();
    tracedCalls.get(incoming)?.report(outgoing, first, requestId);
    const watch = options.calls?.begin(options.timeoutMs, socketFd(incoming.socket));
    const event = headerValue(incoming.headers[INVOKE_HEADER]);
    const handler = event === undefined ? fetchHandler : eventHandler(event, handlers);
    const mount = callerMount(incoming.headers);
    const answer = invokeFunction(handler, request, {
      env,
      timeoutMs: options.timeoutMs,
      requestId,
      waitUntil: (promise) => {
        const tracked = logRejection(promise, requestId);
        work.track(tracked);
        // Work a traced call hands on keeps its trace (its spans, its records) until it settles.
        if (currentCallTrace() !== undefined) trackTracedWork(tracked);
      },
      ...(watch ? { watch } : {}),
    });
    return mount?.prefix ? answer.then((response) => redirectUnderPrefix(response, mount)) : answer;
  }, NODE_GLOBALS);

  // A traced call is begun before the listener builds the function's Request from the headers,
  // and the listener runs in its scope: what the function sends or starts carries the call's trace.
  const tracedCalls = new WeakMap<HttpBindings['incoming'], TracedCall>();
  const server = createServer({ keepAlive: true }, (incoming, outgoing) => {
    toCallerUrl(incoming); // request.url is the caller's (forwarded-url.ts)
    const traced = beginTracedCall(incoming, options.spans);
    if (traced === undefined) return listener(incoming, outgoing);
    tracedCalls.set(incoming, traced);
    trackTracedWork(new Promise<void>((resolve) => outgoing.once('close', resolve)));
    return traced.run(() => listener(incoming, outgoing));
  });
  // Longer than the usual client pool's idle timeout (undici: 4 s), so the client closes idle
  // connections first and never sends a request on a socket the server is closing.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  // WebSockets: an upgrade is a call like any other, and a 101 with a webSocket keeps the connection.
  serveUpgrades(server, (request) => {
    const requestId = request.headers.get('x-request-id') ?? randomUUID();
    const waitUntil = (promise: Promise<unknown>) => work.track(logRejection(promise, requestId));
    return invokeFunction(fetchHandler, request, { env, timeoutMs: options.timeoutMs, requestId, waitUntil });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const listening = () => {
      server.off('error', reject);
      resolve();
    };
    if (options.socketPath !== undefined) server.listen(options.socketPath, listening);
    else server.listen(options.port ?? 0, options.host ?? '127.0.0.1', listening);
  });
  const port = options.socketPath === undefined ? (server.address() as AddressInfo).port : 0;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      draining = true;
      server.close();
      server.closeIdleConnections();
      await work.settled(options.timeoutMs);
      server.closeAllConnections();
    })());
  return { port, close };
}

/**
 * A function sees Node's own Request and Response, as everywhere else (`new Response(null, 'x')`
 * throws). By default node-server swaps in its lighter classes for the whole process.
 */
const NODE_GLOBALS = { overrideGlobalObjects: false } as const;

/**
 * The descriptor under a TCP socket, so that the watchdog thread can answer a stuck call itself.
 * Node does not document `_handle.fd`; without it (-1) a stuck call is cut instead of answered.
 */
function socketFd(socket: unknown): number {
  const fd = (socket as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === 'number' ? fd : -1;
}

function logRejection(promise: Promise<unknown>, requestId: string): Promise<unknown> {
  return Promise.resolve(promise).catch((error: unknown) => {
    process.stderr.write(`request ${requestId} waitUntil task failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  });
}
