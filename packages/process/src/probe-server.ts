import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { logReachable } from './cluster-log.js';
import { listen, type RequestHandler } from './listen.js';
import type { ProcessState } from './process-state.js';

/**
 * The small server of a process that follows the log and answers no API (the triggers process,
 * `tide node --port`): /metrics for Prometheus, /healthz (the process answers) and /readyz (it
 * can reach the log). `what` names it in the 404 ("the triggers process", "a node").
 */
export function serveProbes(
  state: ProcessState,
  metrics: { handle: RequestHandler } | undefined,
  at: { port: number; host: string },
  what: string,
): Promise<Server> {
  return listen((req, res) => answer(req, res, state, metrics, what), at.port, at.host);
}

function answer(req: IncomingMessage, res: ServerResponse, state: ProcessState, metrics: { handle: RequestHandler } | undefined, what: string): void {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/metrics' && metrics) return metrics.handle(req, res);
  if (path === '/healthz' || path === '/readyz') {
    const ready = path === '/healthz' || logReachable(state.log);
    res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: ready ? 'ok' : 'the event log cannot be reached' }));
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: `no route for ${req.method} ${req.url}: ${what} serves /healthz, /readyz${metrics ? ' and /metrics' : ''}` }));
}

/** Closes a server and the connections it still holds (absent: nothing to close). */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  await new Promise<void>((done) => {
    server.close(() => done());
    server.closeAllConnections();
  });
}
