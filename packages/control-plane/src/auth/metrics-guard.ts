import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from '@tide/process';
import { ApiError } from '../errors.js';
import { mayReadMetrics, type Gatekeeper } from './gatekeeper.js';
import { refusalHeaders } from './middleware.js';

/**
 * The control plane's /metrics (Prometheus) behind a token: a cluster admin's (admin on "*") or
 * a component's. It is served beside the API, not by it, so it is guarded here.
 */
export function guardedMetrics(gatekeeper: Gatekeeper, metrics: RequestHandler): RequestHandler {
  return (req: IncomingMessage, res: ServerResponse) => {
    const who = gatekeeper.authenticate(req.headers.authorization, req.socket.remoteAddress ?? 'unknown', false);
    const error = !who.ok
      ? who.error
      : mayReadMetrics(who.principal)
        ? undefined
        : new ApiError(
            403,
            'Forbidden',
            `${who.principal.kind} ${who.principal.name} may not read /metrics: it needs a cluster admin's token or a component's`,
          );
    if (!error) return metrics(req, res);
    res.writeHead(error.status, { 'content-type': 'application/json', ...refusalHeaders(error) });
    res.end(JSON.stringify(error.toStatus()));
  };
}
