import { openStateStore } from '@tide/core';
import { openHttpLog } from '@tide/log';
import type { MetricsEndpoint } from '@tide/telemetry';
import { drainGateway, listen, startGatewayParts, urlOf } from './parts.js';
import { logReachable, openClusterLog, reportStateResets } from './cluster-log.js';

/**
 * `tide gateway`: serves /fn/... on its own. It learns routes by folding the state log — from
 * Kafka, or through a control plane's log API — and reports load to the metrics topic.
 */
export async function runGateway(options: { port: number; host: string; server: string; kafkaBrokers?: string; metrics?: MetricsEndpoint; log: (line: string) => void }) {
  const onError = (error: Error) => options.log(`error: ${error.message}`);
  const log = await openClusterLog({ kafkaBrokers: options.kafkaBrokers, fallback: async () => openHttpLog(options.server), report: options.log });
  const store = await openStateStore({ log, onError });
  reportStateResets(store, options.log);
  const parts = startGatewayParts(store, log, onError);
  const server = await listen((req, res) => {
    if (parts.gateway.handle(req, res)) return;
    if (req.url === '/metrics' && options.metrics) return options.metrics.handle(req, res);
    if (req.url === '/healthz' || req.url === '/readyz') {
      // A gateway cut off from the log still serves the routes it knows: it stays ready, and says so.
      const status = logReachable(log) ? 'ok' : 'serving the routes it knew; the event log cannot be reached';
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ status }));
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: `no route for ${req.method} ${req.url}: this gateway serves /fn/{namespace}/{name}/...` }));
  }, options.port, options.host);
  const url = urlOf(server, options.host);
  options.log(`gateway is up at ${url}, following ${options.kafkaBrokers ? `Kafka ${options.kafkaBrokers}` : options.server}`);
  return {
    url,
    async stop() {
      server.close();
      await drainGateway(parts.gateway);
      server.closeAllConnections();
      await parts.stop();
      await store.close();
      await log.close();
    },
  };
}
