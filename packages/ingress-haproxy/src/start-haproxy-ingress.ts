import { mkdir, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { resolve } from 'node:path';
import { subscribeToChanges, type ClusterState } from '@tide/core';
import { DEFAULT_INVOCATION_DOMAIN, routesOf } from '@tide/gateway';
import { componentState, type ComponentLog } from '@tide/process';
import { adminSocketOf, haproxyConfig, tideSocketOf, hostsMapOf, mapFile, routesMapOf, type HaproxySettings } from './core/haproxy-config.js';
import { ingressModelOf, type IngressModel } from './core/ingress-model.js';
import { runtimePlan, type HeldState } from './core/runtime-plan.js';
import { slotsForConfig } from './core/server-slots.js';
import { findHaproxy, startHaproxy, type HaproxyProcess } from './haproxy-process.js';
import { listenProxied, type ProxiedListener } from './proxied-listener.js';
import { startStatsReporter, type StatsReporter } from './stats-reporter.js';
import { runtimeChanges } from './runtime-api.js';

export interface HaproxyIngressOptions {
  /** The log to follow (opened, and closed at stop, by the ingress), or a process state shared with other components. */
  log: ComponentLog;
  /** Where callers connect: haproxy binds it. */
  listen: { host: string; port: number };
  /**
   * Tide's own server (its gateway and API): the activator, and where everything haproxy does not
   * serve goes. Given the server itself (as `tide up` does), haproxy reaches it through a unix socket
   * in `dir` with the PROXY protocol, so Tide sees each caller's address; given a TCP address (a Tide
   * in another process, as the bench's), Tide sees haproxy's and reads the caller's only from
   * x-forwarded-for.
   */
  activator: { host: string; port: number } | { server: Server };
  /** A directory of its own for haproxy's configuration, maps and sockets (made mode 0700). */
  dir: string;
  /** Host routes' domain, as the gateway's (default `localhost`). */
  domain?: string;
  /** The haproxy binary (default: found on PATH or in /usr/sbin). */
  binary?: string;
  /** haproxy threads (default 1). */
  threads?: number;
  report: (line: string) => void;
}

export interface RunningHaproxyIngress {
  url: string;
  /** The haproxy master's pid. */
  pid: number;
  /** What haproxy holds now (for tests and `tide` diagnostics). */
  model(): IngressModel;
  /** Resolves once haproxy holds what the state folded so far asks for. */
  synced(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The HAProxy ingress: starts haproxy as a child, follows the gateway's routes (folded from the log)
 * and programs haproxy through its runtime API — pods as servers with their concurrency as maxconn,
 * splits and tags as map entries — reloading only when a revision's backend comes or goes; and
 * reports the load haproxy carries to the metrics topic, as a gateway does, so the autoscaler sees it.
 */
export async function startHaproxyIngress(options: HaproxyIngressOptions): Promise<RunningHaproxyIngress> {
  const { report } = options;
  const binary = findHaproxy(options.binary);
  const dir = resolve(options.dir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const proxied: ProxiedListener | undefined = 'server' in options.activator ? await listenProxied(options.activator.server, tideSocketOf({ dir })) : undefined;
  const settings: HaproxySettings = {
    listen: options.listen,
    activator: proxied === undefined ? (options.activator as { host: string; port: number }) : { socket: proxied.path },
    dir,
    domain: normalizeDomain(options.domain ?? DEFAULT_INVOCATION_DOMAIN),
    threads: options.threads ?? 1,
  };
  const files = { routes: routesMapOf(settings), hosts: hostsMapOf(settings) };
  const { state, release } = await componentState(options.log, report, (error) => report(`error: ${error.message}`));
  const wantedOf = (cluster: ClusterState) =>
    ingressModelOf(routesOf(cluster), { domain: settings.domain, namespaceNeedsGateway: (ns) => quotaReason(cluster, ns) });
  const first = wantedOf(state.store.state());
  let held: HeldState = { model: first, slots: slotsForConfig(first) };
  const writeMaps = (model: IngressModel) => Promise.all([writeFile(files.routes, mapFile(model.routes)), writeFile(files.hosts, mapFile(model.hosts))]);
  await writeMaps(first);
  let haproxy: HaproxyProcess;
  try {
    haproxy = await startHaproxy({
      binary,
      dir,
      config: haproxyConfig(held.model, held.slots, settings),
      adminSocket: adminSocketOf(settings),
      report,
      onExit: (why) => report(`error: the HAProxy ingress stopped serving: ${why}`),
    });
  } catch (error) {
    await release();
    await proxied?.close();
    throw error;
  }
  let dirty = false;
  let syncing: Promise<void> | undefined;
  let stopped = false;
  const syncOnce = async () => {
    const wanted = wantedOf(state.store.state());
    const plan = runtimePlan(held, wanted, files);
    if (plan.kind === 'reload') {
      const slots = slotsForConfig(wanted);
      await writeMaps(wanted);
      await haproxy.reload(haproxyConfig(wanted, slots, settings));
      held = { model: wanted, slots };
      report(`haproxy reloaded: ${plan.reason}`);
    } else {
      await runtimeChanges(adminSocketOf(settings), plan.commands);
      held = { model: wanted, slots: plan.slots };
    }
  };
  const sync = (): Promise<void> =>
    (syncing ??= (async () => {
      let backoffMs = 100;
      while (dirty && !stopped) {
        dirty = false;
        try {
          await syncOnce();
        } catch (error) {
          // What haproxy holds is no longer known: the next pass starts over with a reload, backing off.
          report(`error: programming haproxy failed, reloading it in ${backoffMs} ms: ${(error as Error).message}`);
          held = { model: { ...held.model, backends: new Map() }, slots: { backends: new Map() } };
          dirty = true;
          await new Promise((r) => setTimeout(r, backoffMs));
          backoffMs = Math.min(backoffMs * 2, 5_000);
        }
      }
      syncing = undefined;
    })());
  const unsubscribe = subscribeToChanges(state.store, ['functions', 'pods', 'namespaces'], () => {
    dirty = true;
    void sync();
  });
  const stats: StatsReporter = startStatsReporter({
    socket: adminSocketOf(settings),
    log: state.log,
    functionOf: (backend) => {
      const found = held.model.backends.get(backend);
      return found === undefined ? undefined : { namespace: found.namespace, name: found.function };
    },
    report,
  });
  const url = `http://${options.listen.host.includes(':') ? `[${options.listen.host}]` : options.listen.host}:${options.listen.port}`;
  const tide = 'socket' in settings.activator ? `${settings.activator.socket} (PROXY protocol)` : `${settings.activator.host}:${settings.activator.port}`;
  report(`HAProxy ingress (pid ${haproxy.pid}) is up at ${url}, Tide's gateway at ${tide} is its activator`);
  let stopping: Promise<void> | undefined;
  return {
    url,
    pid: haproxy.pid,
    model: () => held.model,
    synced: async () => {
      while (dirty || syncing) await (syncing ?? sync());
    },
    stop: () =>
      (stopping ??= (async () => {
        stopped = true;
        unsubscribe();
        await syncing;
        await stats.stop();
        await haproxy.stop();
        await proxied?.close();
        await release();
      })()),
  };
}

/** A namespace with an invocation rate limit: the gateway counts its calls, so they all go through it. */
function quotaReason(state: ClusterState, namespace: string): string | undefined {
  const quota = state.namespaces.get(namespace)?.spec.quota;
  return quota?.invocationsPerSecond === undefined ? undefined : `namespace ${namespace} has an invocation quota (the gateway counts its calls)`;
}

/** `Example.COM.` and `example.com` are one domain. */
function normalizeDomain(domain: string): string {
  return domain
    .trim()
    .toLowerCase()
    .replace(/^\.+|\.+$/g, '');
}
