import { hostname } from 'node:os';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { describeLogSource, listen, logReachable, componentState, urlOf, type ComponentLog, type ProcessState, type RequestHandler } from '@tide/process';
import { NamespaceLimiter, systemClock, type Clock } from '@tide/core';
import { createAsyncCalls, type AsyncCalls } from './async-calls.js';
import { createGateway, type Gateway } from './gateway.js';
import { createInvocationGate } from './invocation-gate.js';
import { startLoadReporter, type LoadReporter } from './load-reporter.js';
import { createStateRouteTable } from './state-routes.js';
import type { ReadyAhead } from './ready-ahead.js';
import { serveUpgradeAsRequest } from './upgrade-as-request.js';
import { DEFAULT_INVOCATION_DOMAIN } from './core/parse-invocation-host.js';

export interface GatewayProcessOptions {
  /** The log to follow (opened, and closed at stop, by the gateway), or a process state shared with other components. */
  log: ComponentLog;
  /** Serve /fn/... on a server of its own; without it the caller offers requests to `handle`. */
  listen?: { port: number; host: string };
  /** Serves /metrics for Prometheus (on its own server). */
  metrics?: { handle: RequestHandler };
  /** Routes `<name>.<namespace>.<domain>` to the function by Host (TIDE_DOMAIN); default `localhost`, which resolves without DNS. */
  domain?: string;
  /** Lets Tide's components (the triggers process) call a module's queue() / scheduled() through this gateway: see GatewayOptions. */
  componentToken?: string;
  /** The wall clock bearer tokens expire by, for calls of `access: token` functions (default: the system's). */
  clock?: Pick<Clock, 'now'>;
  /** What a node agent in this process says of its pods' readiness before the log does (ready-ahead.ts). */
  readyAhead?: ReadyAhead;
  report: (line: string) => void;
}

export interface RunningGateway {
  url?: string;
  state: ProcessState;
  gateway: Gateway;
  /** Handles /fn/..., /async/... and host routes and returns true, or returns false for any other request. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** The same for a server's 'upgrade' event (WebSockets). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** The domain of host routes: `<name>.<namespace>.<domain>`. */
  domain: string;
  /** Waits (at most `maxMs`) for the calls in flight to finish, before connections are cut. */
  drain(maxMs?: number): Promise<void>;
  /** Stops serving (draining first when it has its own server), stops load reports, then the log if the gateway opened it. */
  stop(): Promise<void>;
}

/**
 * A gateway: routes /fn/... to pods by folding the state log, holds calls while a function scales
 * from zero, and reports its load to the metrics topic for the autoscaler.
 */
export async function startGateway(options: GatewayProcessOptions): Promise<RunningGateway> {
  const { report } = options;
  const onError = (error: Error) => report(`error: ${error.message}`);
  const { state, release } = await componentState(options.log, report, onError);
  const routes = createStateRouteTable(state.store, options.readyAhead);
  let reporter: LoadReporter | undefined;
  const domain = normalizeDomain(options.domain ?? DEFAULT_INVOCATION_DOMAIN);
  // Quotas are read at each call, so one changed by `tide apply` applies at once.
  const invocations = new NamespaceLimiter('invocations', (namespace) => state.store.state().namespaces.get(namespace)?.spec.quota);
  const invocationLimit = (namespace: string) => invocations.take(namespace, performance.now());
  // Tokens are checked against the state as folded at each call: a revocation holds once folded.
  const gate = createInvocationGate({ state: () => state.store.state(), clock: options.clock ?? systemClock });
  const gateway = createGateway({
    routes,
    domain,
    onColdRequest: () => reporter?.flushSoon(),
    onLoadStep: () => reporter?.flushSoon(),
    invocationLimit,
    gate,
    ...(options.componentToken === undefined ? {} : { componentToken: options.componentToken }),
  });
  const asyncCalls = createAsyncCalls({ routes, log: state.log, domain, invocationLimit, gate });
  reporter = startLoadReporter({ gateway, log: state.log, source: `gateway-${hostname()}-${process.pid}`, onError });
  const drain = async (maxMs = 10_000) => {
    const deadline = Date.now() + maxMs;
    // A WebSocket stays open as long as its client wants: it is cut at close, not waited for.
    const busy = () => {
      const stats = gateway.stats();
      return stats.inFlight - stats.tunnels > 0;
    };
    while (busy() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  };
  const server = options.listen
    ? await listen((req, res) => serveAlone(req, res, gateway, asyncCalls, state, options.metrics, domain), options.listen.port, options.listen.host)
    : undefined;
  server?.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!gateway.handleUpgrade(req, socket, head))
      serveUpgradeAsRequest(req, socket, (r, res) => serveAlone(r, res, gateway, asyncCalls, state, options.metrics, domain));
  });
  const url = server && options.listen ? urlOf(server, options.listen.host) : undefined;
  if (url) report(`gateway is up at ${url}, following ${describeLogSource(state.source)}`);
  let stopping: Promise<void> | undefined;
  return {
    ...(url ? { url } : {}),
    state,
    gateway,
    handle: (req, res) => asyncCalls.handle(req, res) || gateway.handle(req, res),
    handleUpgrade: (req, socket, head) => gateway.handleUpgrade(req, socket, head),
    domain,
    drain,
    stop: () =>
      (stopping ??= (async () => {
        if (server) {
          server.close();
          await drain();
          server.closeAllConnections();
        }
        await reporter?.stop();
        routes.close();
        await gateway.close();
        await release();
      })()),
  };
}

/** A gateway on a server of its own: /fn/..., /metrics, health, and a 404 that says what it serves. */
function serveAlone(
  req: IncomingMessage,
  res: ServerResponse,
  gateway: Gateway,
  asyncCalls: AsyncCalls,
  state: ProcessState,
  metrics: { handle: RequestHandler } | undefined,
  domain: string,
): void {
  if (asyncCalls.handle(req, res) || gateway.handle(req, res)) return;
  if (req.url === '/metrics' && metrics) return metrics.handle(req, res);
  if (req.url === '/healthz' || req.url === '/readyz') {
    // A gateway cut off from the log still serves the routes it knows: it stays ready, and says so.
    const status = logReachable(state.log) ? 'ok' : 'serving the routes it knew; the event log cannot be reached';
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status }));
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      error: `no route for ${req.method} ${req.url}: this gateway serves /fn/{namespace}/{name}/..., /async/{namespace}/{name}/... and {name}.{namespace}.${domain}`,
    }),
  );
}

/** `Example.COM.` and `example.com` are one domain. */
function normalizeDomain(domain: string): string {
  return domain
    .trim()
    .toLowerCase()
    .replace(/^\.+|\.+$/g, '');
}
