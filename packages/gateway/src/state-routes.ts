import { bodyLimitsOf, keyOf, subscribeToChanges, type ClusterState, type Pod, type StateStore } from '@tide/core';
import type { ReadyAhead } from './ready-ahead.js';
import type { FunctionRoute, RouteTable } from './route-table.js';

/** The parts of cluster state routes are made of: routesOf can read nothing else (its type says so). */
const ROUTE_SOURCES = ['functions', 'pods'] as const;

/**
 * Every route, from cluster state, by key: `ns/name` splits traffic over its revisions' routes
 * `ns/name#revision` (their Ready pods), and `ns/name@tag` is the tagged revision's route.
 */
export function routesOf(state: Pick<ClusterState, (typeof ROUTE_SOURCES)[number]>, ahead?: Pick<ReadyAhead, 'endpointOf'>): Map<string, FunctionRoute> {
  const podsByRevision = new Map<string, Pod[]>();
  for (const pod of state.pods.values()) {
    const key = keyOf(pod.metadata.namespace, pod.spec.revision);
    podsByRevision.set(key, [...(podsByRevision.get(key) ?? []), pod]);
  }
  const routes = new Map<string, FunctionRoute>();
  for (const [key, fn] of state.functions) {
    const namespace = fn.metadata.namespace!;
    const name = fn.metadata.name;
    const base = {
      namespace,
      name,
      timeoutMs: fn.spec.timeoutSeconds * 1000,
      concurrency: fn.spec.concurrency,
      limits: bodyLimitsOf(fn.spec),
      ...(fn.spec.access === 'token' ? { access: 'token' as const } : {}),
    };
    const revisionRoute = (revision: string): FunctionRoute => {
      const routeKey = `${key}#${revision}`;
      const existing = routes.get(routeKey);
      if (existing) return existing;
      const pods = podsByRevision.get(keyOf(namespace, revision)) ?? [];
      const endpoints = pods.flatMap((p) => {
        // A pod Ready in the fold, or one it bound that this process's node agent found ready (ready-ahead.ts).
        const url = p.status.phase === 'Ready' ? p.status.endpoint : ahead?.endpointOf(p);
        return url ? [{ pod: p.metadata.name, url, concurrency: p.spec.concurrency }] : [];
      });
      const failure = endpoints.length === 0 ? failureOf(pods) : undefined;
      const route: FunctionRoute = { ...base, key: routeKey, revision, endpoints, ...(failure ? { failure } : {}) };
      routes.set(routeKey, route);
      return route;
    };
    // Like Knative's latestReadyRevision: the latest revision's share goes to the newest revision
    // that has Ready pods until the latest has some, so a rollout never holds calls back.
    const latest = fn.status.latestRevision;
    const latestServing = (): string => {
      if (revisionRoute(latest).endpoints.length > 0) return latest;
      // By the pods' function, not a name prefix: revisions of "hello-world" start with "hello-" too.
      const older = [...podsByRevision.values()]
        .filter((revisionPods) => revisionPods[0]!.metadata.namespace === namespace && revisionPods[0]!.spec.function === name)
        .map((revisionPods) => revisionPods[0]!.spec.revision)
        .filter((revision) => revision !== latest)
        .filter((revision) => revisionRoute(revision).endpoints.length > 0)
        .sort();
      return older.at(-1) ?? latest;
    };
    const split = fn.status.traffic
      .filter((t) => t.percent > 0)
      .map((t) => ({ percent: t.percent, key: revisionRoute(t.revision === latest ? latestServing() : t.revision).key! }));
    routes.set(key, { ...base, key, endpoints: [], split });
    for (const target of fn.status.traffic) if (target.tag) routes.set(`${key}@${target.tag}`, revisionRoute(target.revision));
    // The latest revision's pods serve a function whose traffic is still moving to it.
    revisionRoute(fn.status.latestRevision);
  }
  return routes;
}

/**
 * Why a function with no Ready pod cannot serve: every one of its pods has exited and waits to be
 * restarted (its nextRestartAt, the back-off). A pod still starting may yet become ready, and so may
 * one that exited to be replaced at once (recycled after a call past its timeout): no failure (yet).
 */
export function failureOf(pods: readonly Pod[]): string | undefined {
  const live = pods.filter((p) => p.status.phase !== 'Terminating');
  if (live.length === 0 || !live.every((p) => p.status.phase === 'Exited' && p.status.nextRestartAt !== undefined)) return undefined;
  const pod = live[live.length - 1]!;
  return `pod ${pod.metadata.name} exited (${pod.status.reason ?? 'no reason given'}), restart ${pod.status.restartCount}`;
}

/**
 * A route table that follows the state store: rebuilt lazily after the fold changed what routes
 * are made of, whichever event changed it (a node that lost its lease takes its pods with it, an
 * undone rollout moves a function's traffic).
 */
export function createStateRouteTable(store: StateStore, ahead?: ReadyAhead): RouteTable & { close(): void } {
  let routes = routesOf(store.state(), ahead);
  let stale = false;
  const listeners = new Set<() => void>();
  const current = () => {
    if (stale) {
      routes = routesOf(store.state(), ahead);
      stale = false;
    }
    return routes;
  };
  const changed = () => {
    stale = true;
    for (const listener of listeners) listener();
  };
  const unsubscribeState = subscribeToChanges(store, ROUTE_SOURCES, changed);
  const unsubscribeAhead = ahead?.subscribe(changed);
  const unsubscribe = () => {
    unsubscribeState();
    unsubscribeAhead?.();
  };
  return {
    lookup(namespace, name, tag) {
      return current().get(tag === undefined ? keyOf(namespace, name) : `${keyOf(namespace, name)}@${tag}`);
    },
    lookupKey(key) {
      return current().get(key);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: unsubscribe,
  };
}
