import { startFreshLogOnNewestRules } from './fresh-log-rules.js';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { describeLogSource, listen, logReachable, componentState, urlOf, type ComponentLog, type ProcessState, type RequestHandler } from '@tide/process';
import { openArtifactStore, type ArtifactStore } from './adapters/artifact-store.js';
import { replicateArtifacts } from './adapters/replicated-artifacts.js';
import { openTopicBus } from './topic-bus.js';
import { createControlPlaneApp } from './app.js';
import { followActivations } from './activation-view.js';
import { observeClusterMetrics } from './cluster-metrics.js';
import { countFoldRejections } from './fold-metrics.js';
import { describeLeadership, startClusterLoops } from './cluster-loops.js';
import { ensureDefaultNamespace, keepDefaultNamespace } from './default-namespace.js';
import { startArtifactGc } from './artifact-gc.js';
import { systemClock } from '@tide/core';
import { Gatekeeper } from './auth/gatekeeper.js';
import { guardedMetrics } from './auth/metrics-guard.js';
import { checkGivenTokens, ensureFirstTokens, type FirstTokens } from './auth/first-tokens.js';
import { randomBytes } from 'node:crypto';
import { loadSecretKeyring, type SecretKeySettings } from './secrets/secret-keyring.js';
import { unopenableSecrets } from './core/secret-view.js';

/** What the API accepts: manifests up to 1 MiB, bundled functions up to 64 MiB. */
export const API_LIMITS = { manifestBytes: 1024 * 1024, artifactBytes: 64 * 1024 * 1024 };

export interface ControlPlaneOptions {
  /** The log to run on (opened, and closed at stop, by the control plane), or a process state shared with other components (closed by its opener). */
  log: ComponentLog;
  /** Where uploaded artifacts are kept (and, on the embedded log, the log itself). */
  dataDir: string;
  /** Serve the API on a server of its own; without it the caller serves `handle`. */
  listen?: { port: number; host: string };
  /** A node that does not renew its lease for this long becomes NotReady. */
  nodeGraceSeconds: number;
  /** This control plane's name in leadership elections (default: host, port and pid). */
  holder?: string;
  /** Serves /metrics for Prometheus. */
  metrics?: { handle: RequestHandler };
  /** A further condition of /readyz (a composer that is still starting its other parts). */
  ready?: () => boolean;
  /** Lines for the process's output. */
  report: (line: string) => void;
  /** Unreferenced artifacts are deleted after graceMs (default 1 h), checked every intervalMs (default 5 min). */
  artifactGc?: { graceMs?: number; intervalMs?: number };
  /** TIDE_ADMIN_TOKEN: the first admin token's whole string (tide_admin_<64 hex>), instead of a random one. */
  adminToken?: string;
  /** TIDE_BOOTSTRAP_TOKEN: the node bootstrap token's whole string (tide_bootstrap_<64 hex>), instead of a random one. */
  bootstrapToken?: string;
  /** TIDE_ANONYMOUS_READS: requests without a token may read what a viewer may (never secrets, tokens or the raw log). */
  anonymousReads?: boolean;
  /** Where the key that seals secrets comes from (TIDE_SECRET_KEY...); none given, `<data>/secret.key`, made on the first start. */
  secretKeys?: SecretKeySettings;
}

export interface RunningControlPlane {
  /** Where the API listens, when it has a server of its own. */
  url?: string;
  state: ProcessState;
  artifacts: ArtifactStore;
  /** The API (and /metrics), for a caller that serves it on its own server. */
  handle: RequestHandler;
  /** The admin token made at first start (or given, or read back from <data>/admin.token): for in-process callers (tide up). */
  readonly adminToken: string | undefined;
  /** The node bootstrap token, likewise (<data>/bootstrap.token). */
  readonly bootstrapToken: string | undefined;
  /**
   * Settles once the first tokens exist: at start on a log that knows tokens, else once its leader
   * has raised the fold rules (an upgraded data directory), which may be after the start.
   */
  readonly tokensReady: Promise<void>;
  /** Stops the API server (if its own), the controllers, then the log if the control plane opened it. */
  stop(): Promise<void>;
}

/**
 * A control plane: the API server plus the controllers, scheduler, autoscaler and node lifecycle,
 * which act only while it leads. On Kafka any number may run; on the embedded log it owns the
 * data directory.
 */
export async function startControlPlane(options: ControlPlaneOptions): Promise<RunningControlPlane> {
  checkGivenTokens(options);
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const { report } = options;
  const onError = (error: Error) => report(`error: ${error.message}`);
  // Before the log is opened: a key given wrong stops the start with nothing half-done.
  const keyring = await loadSecretKeyring(dataDir, options.secretKeys ?? {}, report);
  const { state, release } = await componentState(options.log, report, onError);
  const { store, log } = state;
  const onKafka = state.source.kind === 'kafka';
  await startFreshLogOnNewestRules(store);
  await ensureDefaultNamespace(store);
  const defaultNamespace = keepDefaultNamespace(store, onError);
  const local = await openArtifactStore(join(dataDir, 'artifacts'));
  // Several control planes on Kafka: an upload to one must be fetchable from any.
  const replicated = onKafka ? await replicateArtifacts(local, log, onError) : undefined;
  const artifacts = replicated ?? local;
  let started = false;
  // Not ready while the log cannot be reached: a load balancer sends writes to a control plane that can append.
  const ready = () => started && logReachable(log) && (options.ready?.() ?? true);
  const bus = await openTopicBus(state.source, log, onError);
  const activations = followActivations(log, { onError });
  const authentication = { ...(options.anonymousReads ? { anonymousReads: true } : {}) };
  const gatekeeper = new Gatekeeper(() => store.state(), authentication);
  for (const line of unopenableSecrets(store.state(), keyring)) report(`warning: ${line}`);
  const sealer = { keyring, nonce: () => new Uint8Array(randomBytes(12)) };
  const app = createControlPlaneApp(
    { store, log, artifacts, bus, limits: API_LIMITS, activations: activations.view, sealer },
    { ready, authentication: { ...authentication, gatekeeper } },
  );
  observeClusterMetrics(store);
  countFoldRejections(store);
  const api = getRequestListener(app.fetch);
  const metrics = options.metrics ? guardedMetrics(gatekeeper, options.metrics.handle) : undefined;
  const handle: RequestHandler = (req, res) => (req.url === '/metrics' && metrics ? metrics(req, res) : void api(req, res));
  const server = options.listen ? await listen(handle, options.listen.port, options.listen.host) : undefined;
  const url = server && options.listen ? urlOf(server, options.listen.host) : undefined;
  const loops = await startClusterLoops({
    store,
    log,
    nodeGraceSeconds: options.nodeGraceSeconds,
    holder: options.holder ?? `control-plane@${hostname()}:${options.listen?.port ?? 0}:${process.pid}`,
    onError,
    onUnschedulable: (pod, reasons) => report(`pod ${pod.metadata.name} is unschedulable: ${reasons.join('; ')}`),
    onLeadership: (leading, epoch) => report(describeLeadership(leading, epoch)),
  });
  // Started once the store has folded the log: a state still catching up would name too few artifacts.
  const artifactGc = startArtifactGc({
    state: () => store.state(),
    artifacts: local,
    clock: systemClock,
    ...options.artifactGc,
    onCollected: (digest) => report(`artifact ${digest} is referenced by no function: deleted`),
    onError,
  });
  // A fresh log knows tokens at once; an older one once its leader raises the rules (made then, in the background).
  const tokens: FirstTokens = { adminToken: undefined, bootstrapToken: undefined };
  const makingTokens = ensureFirstTokens(store, dataDir, { adminToken: options.adminToken, bootstrapToken: options.bootstrapToken }, report).then((made) =>
    Object.assign(tokens, made),
  );
  if (store.state().rulesVersion >= 4) await makingTokens;
  else makingTokens.catch(onError);
  // A log that came back empty (Kafka lost its data) has lost the tokens too: the same ones are made
  // again, so that the operators, nodes and components holding them are not locked out for good.
  store.onReset(() => {
    ensureFirstTokens(
      store,
      dataDir,
      { adminToken: options.adminToken ?? tokens.adminToken, bootstrapToken: options.bootstrapToken ?? tokens.bootstrapToken },
      report,
    )
      .then((made) => Object.assign(tokens, made))
      .catch(onError);
  });
  started = true;
  if (url) report(`control plane is up at ${url} (${describeLogSource(state.source)})`);
  let stopping: Promise<void> | undefined;
  return {
    ...(url ? { url } : {}),
    state,
    artifacts,
    handle,
    get adminToken() {
      return tokens.adminToken;
    },
    get bootstrapToken() {
      return tokens.bootstrapToken;
    },
    tokensReady: makingTokens.then(
      () => undefined,
      () => undefined,
    ),
    stop: () =>
      (stopping ??= (async () => {
        started = false;
        server?.close();
        server?.closeAllConnections();
        await artifactGc.stop();
        await loops.stop();
        await activations.stop();
        await defaultNamespace.stop();
        await replicated?.close();
        await bus.close();
        await release();
      })()),
  };
}
