import { hostname } from 'node:os';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { openStateStore } from '@tide/core';
import { openSnapshotFiles } from '@tide/log';
import { createControlPlaneApp, observeClusterMetrics, openArtifactStore, replicateArtifacts } from '@tide/control-plane';
import type { MetricsEndpoint } from '@tide/telemetry';
import { API_LIMITS, describeLeadership, ensureDefaultNamespace, keepDefaultNamespace, listen, startClusterLoops, urlOf } from './parts.js';
import { logReachable, openClusterLog, openDataLog, reportStateResets, timeAppends } from './cluster-log.js';

/**
 * `tide control-plane`: the API server on its own, plus the controllers, scheduler, autoscaler and
 * node lifecycle, which act only while this control plane leads. With TIDE_KAFKA_BROKERS any number
 * may run; without, it owns the embedded log in its data directory.
 */
export async function runControlPlane(options: {
  port: number;
  host: string;
  dataDir: string;
  kafkaBrokers?: string;
  nodeGraceSeconds: number;
  metrics?: MetricsEndpoint;
  log: (line: string) => void;
}) {
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const onError = (error: Error) => options.log(`error: ${error.message}`);
  const log = timeAppends(await openClusterLog({ kafkaBrokers: options.kafkaBrokers, fallback: () => openDataLog(dataDir, options.log), report: options.log }));
  const snapshots = options.kafkaBrokers ? undefined : await openSnapshotFiles(join(dataDir, 'snapshots'));
  const store = await openStateStore({ log, ...(snapshots ? { snapshots } : {}), onError });
  reportStateResets(store, options.log);
  await ensureDefaultNamespace(store);
  const defaultNamespace = keepDefaultNamespace(store, onError);
  // Several control planes on Kafka: an upload to one must be fetchable from any.
  const local = await openArtifactStore(join(dataDir, 'artifacts'));
  const replicated = options.kafkaBrokers ? await replicateArtifacts(local, log, onError) : undefined;
  const artifacts = replicated ?? local;
  let ready = false;
  // Not ready while the log cannot be reached: a load balancer sends writes to a control plane that can append.
  const app = createControlPlaneApp({ store, log, artifacts, limits: API_LIMITS }, { ready: () => ready && logReachable(log) });
  observeClusterMetrics(store);
  const api = getRequestListener(app.fetch);
  const server = await listen((req, res) => (req.url === '/metrics' && options.metrics ? options.metrics.handle(req, res) : void api(req, res)), options.port, options.host);
  const url = urlOf(server, options.host);
  const loops = await startClusterLoops({
    store,
    log,
    nodeGraceSeconds: options.nodeGraceSeconds,
    holder: `control-plane@${hostname()}:${options.port}:${process.pid}`,
    onError,
    onLeadership: (leading, epoch) => options.log(describeLeadership(leading, epoch)),
  });
  ready = true;
  options.log(`control plane is up at ${url} (${options.kafkaBrokers ? `Kafka ${options.kafkaBrokers}` : `embedded log in ${dataDir}`})`);
  return {
    url,
    async stop() {
      ready = false;
      server.close();
      server.closeAllConnections();
      await loops.stop();
      await defaultNamespace.stop();
      await replicated?.close();
      await store.close();
      await log.close();
    },
  };
}
