import { keyOf, type ClusterState, type Pod, type StateStore } from '@tide/core';
import type { FunctionRoute, PodEndpoint, RouteTable } from './route-table.js';

/** Every function's route, from cluster state: its Ready pods with their endpoints. */
export function routesOf(state: ClusterState): Map<string, FunctionRoute> {
  const endpoints = new Map<string, PodEndpoint[]>();
  for (const pod of [...state.pods.values()]) {
    if (pod.status.phase !== 'Ready' || !pod.status.endpoint) continue;
    const key = keyOf(pod.metadata.namespace, pod.spec.function);
    const list = endpoints.get(key) ?? [];
    list.push({ pod: pod.metadata.name, url: pod.status.endpoint, concurrency: pod.spec.concurrency });
    endpoints.set(key, list);
  }
  const routes = new Map<string, FunctionRoute>();
  for (const [key, fn] of [...state.functions.entries()]) {
    const route: FunctionRoute = {
      namespace: fn.metadata.namespace!,
      name: fn.metadata.name,
      endpoints: endpoints.get(key) ?? [],
      timeoutMs: fn.spec.timeoutSeconds * 1000,
      concurrency: fn.spec.concurrency,
    };
    const failure = route.endpoints.length === 0 ? failureOf([...state.pods.values()].filter((p) => p.metadata.namespace === route.namespace && p.spec.function === route.name)) : undefined;
    routes.set(key, failure ? { ...route, failure } : route);
  }
  return routes;
}

/**
 * Why a function with no Ready pod cannot serve: every one of its pods has exited and waits to be
 * restarted. A pod still starting may yet become ready, so then there is no failure (yet).
 */
export function failureOf(pods: readonly Pod[]): string | undefined {
  const live = pods.filter((p) => p.status.phase !== 'Terminating');
  if (live.length === 0 || !live.every((p) => p.status.phase === 'Exited')) return undefined;
  const pod = live[live.length - 1]!;
  return `pod ${pod.metadata.name} exited (${pod.status.reason ?? 'no reason given'}), restart ${pod.status.restartCount}`;
}

/** A route table that follows the state store: rebuilt lazily after a change that can move routes. */
export function createStateRouteTable(store: StateStore): RouteTable & { close(): void } {
  let routes = routesOf(store.state());
  let stale = false;
  const listeners = new Set<() => void>();
  const unsubscribe = store.subscribe((event) => {
    if (event && !event.type.startsWith('Pod') && !event.type.startsWith('Function') && !event.type.startsWith('Namespace') && event.type !== 'NodeRegistered') return;
    stale = true;
    for (const listener of listeners) listener();
  });
  return {
    lookup(namespace, name) {
      if (stale) {
        routes = routesOf(store.state());
        stale = false;
      }
      return routes.get(keyOf(namespace, name));
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: unsubscribe,
  };
}
