import { hostname } from 'node:os';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeLogSource, listen, logReachable, componentState, urlOf, type ComponentLog, type ProcessState, type RequestHandler } from '@tide/process';
import { createGateway, type Gateway } from './gateway.js';
import { startLoadReporter, type LoadReporter } from './load-reporter.js';
import { createStateRouteTable } from './state-routes.js';

export interface GatewayProcessOptions {
  /** The log to follow (opened, and closed at stop, by the gateway), or a process state shared with other components. */
  log: ComponentLog;
  /** Serve /fn/... on a server of its own; without it the caller offers requests to `handle`. */
  listen?: { port: number; host: string };
  /** Serves /metrics for Prometheus (on its own server). */
  metrics?: { handle: RequestHandler };
  report: (line: string) => void;
}

export interface RunningGateway {
  url?: string;
  state: ProcessState;
  gateway: Gateway;
  /** Handles /fn/... and returns true, or returns false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
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
  const routes = createStateRouteTable(state.store);
  let reporter: LoadReporter | undefined;
  const gateway = createGateway({ routes, onColdRequest: () => reporter?.flushSoon(), onLoadStep: () => reporter?.flushSoon() });
  reporter = startLoadReporter({ gateway, log: state.log, source: `gateway-${hostname()}-${process.pid}`, onError });
  const drain = async (maxMs = 10_000) => {
    const deadline = Date.now() + maxMs;
    while (gateway.stats().inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  };
  const server = options.listen
    ? await listen((req, res) => serveAlone(req, res, gateway, state, options.metrics), options.listen.port, options.listen.host)
    : undefined;
  const url = server && options.listen ? urlOf(server, options.listen.host) : undefined;
  if (url) report(`gateway is up at ${url}, following ${describeLogSource(state.source)}`);
  let stopping: Promise<void> | undefined;
  return {
    ...(url ? { url } : {}),
    state,
    gateway,
    handle: (req, res) => gateway.handle(req, res),
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
function serveAlone(req: IncomingMessage, res: ServerResponse, gateway: Gateway, state: ProcessState, metrics: { handle: RequestHandler } | undefined): void {
  if (gateway.handle(req, res)) return;
  if (req.url === '/metrics' && metrics) return metrics.handle(req, res);
  if (req.url === '/healthz' || req.url === '/readyz') {
    // A gateway cut off from the log still serves the routes it knows: it stays ready, and says so.
    const status = logReachable(state.log) ? 'ok' : 'serving the routes it knew; the event log cannot be reached';
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status }));
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: `no route for ${req.method} ${req.url}: this gateway serves /fn/{namespace}/{name}/...` }));
}
