import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { listen, logReachable, type ProcessState, type RequestHandler } from '@tide/process';

/**
 * The node's own small server (`tide node --port`): /metrics for Prometheus, /healthz (the
 * process answers) and /readyz (it can reach the log), as the triggers process serves them. Pods
 * listen elsewhere; this port is the node's alone.
 */
export function serveNode(state: ProcessState, metrics: { handle: RequestHandler } | undefined, at: { port: number; host: string }): Promise<Server> {
  return listen((req, res) => answer(req, res, state, metrics), at.port, at.host);
}

function answer(req: IncomingMessage, res: ServerResponse, state: ProcessState, metrics: { handle: RequestHandler } | undefined): void {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/metrics' && metrics) return metrics.handle(req, res);
  if (path === '/healthz' || path === '/readyz') {
    const ready = path === '/healthz' || logReachable(state.log);
    res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: ready ? 'ok' : 'the event log cannot be reached' }));
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: `no route for ${req.method} ${req.url}: a node serves /healthz, /readyz${metrics ? ' and /metrics' : ''}` }));
}

export async function closeNodeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  await new Promise<void>((done) => {
    server.close(() => done());
    server.closeAllConnections();
  });
}
