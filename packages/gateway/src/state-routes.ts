import { keyOf, type ClusterState, type StateStore } from '@tide/core';
import type { FunctionRoute, PodEndpoint, RouteTable } from './route-table.js';

/** Every function's route, from cluster state: its Ready pods with their endpoints. */
export function routesOf(state: ClusterState): Map<string, FunctionRoute> {
  const endpoints = new Map<string, PodEndpoint[]>();
  for (const pod of Object.values(state.pods)) {
    if (pod.status.phase !== 'Ready' || !pod.status.endpoint) continue;
    const key = keyOf(pod.metadata.namespace, pod.spec.function);
    const list = endpoints.get(key) ?? [];
    list.push({ pod: pod.metadata.name, url: pod.status.endpoint, concurrency: pod.spec.concurrency });
    endpoints.set(key, list);
  }
  const routes = new Map<string, FunctionRoute>();
  for (const [key, fn] of Object.entries(state.functions)) {
    routes.set(key, { namespace: fn.metadata.namespace!, name: fn.metadata.name, endpoints: endpoints.get(key) ?? [], timeoutMs: fn.spec.timeoutSeconds * 1000 });
  }
  return routes;
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
