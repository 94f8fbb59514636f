import { DEFAULT_BODY_LIMIT_BYTES } from '@tide/core';
import { pickSplit, UPSTREAM_TIMEOUT_MARGIN_MS, type FunctionRoute } from '@tide/gateway';

/** One ready pod, as a server of its revision's backend: at most `maxconn` requests at once (its concurrency). */
export interface IngressServer {
  name: string;
  host: string;
  port: number;
  maxconn: number;
}

/** One revision's backend: its ready pods, and the limits haproxy checks before a request reaches one. */
export interface IngressBackend {
  name: string;
  /** The function whose revision this is: its load is reported under it. */
  namespace: string;
  function: string;
  servers: readonly IngressServer[];
  requestBodyBytes: number;
  responseBodyBytes: number;
  /** The function's timeout plus the gateway's margin: haproxy's `timeout server`. */
  serverTimeoutMs: number;
  /** How long a request may queue for a pod's free slot before 503 (the function's timeout, as the gateway holds). */
  queueTimeoutMs: number;
}

/** What haproxy should hold: backends (a reload when their set changes) and two maps (changed at run time). */
export interface IngressModel {
  backends: ReadonlyMap<string, IngressBackend>;
  /** `<ns>/<name>[@tag]/<bucket 0..99>` → backend: a traffic split as 100 buckets, one picked at random per request. */
  routes: ReadonlyMap<string, string>;
  /** `<label>.<ns>.<domain>` → `<ns>/<name>[@tag]`: host routes whose reading is unambiguous. */
  hosts: ReadonlyMap<string, string>;
  /** Functions whose calls all go through the gateway, and why (`ns/name` → reason). */
  viaGateway: ReadonlyMap<string, string>;
}

/** Buckets a traffic split is cut into: percents are whole numbers, so 100 buckets are exact. */
export const SPLIT_BUCKETS = 100;

export interface ModelOptions {
  /** Host routes' domain (`<name>.<namespace>.<domain>`), normalized (lowercase, no dots at the ends). */
  domain: string;
  /**
   * Why a namespace's calls must go through the gateway (a control haproxy does not enforce, e.g. an
   * invocations-per-second quota), or undefined.
   */
  namespaceNeedsGateway: (namespace: string) => string | undefined;
}

/**
 * What haproxy should hold for the gateway's routes (routesOf): a backend per revision with its
 * ready pods, the split of each function and tag over those backends, and its host names. A function
 * haproxy cannot serve as safely as the gateway (access: token, a rate-limited namespace) gets no
 * route at all: its calls fall to the default backend, the gateway, which enforces everything.
 */
export function ingressModelOf(routes: ReadonlyMap<string, FunctionRoute>, options: ModelOptions): IngressModel {
  const backends = new Map<string, IngressBackend>();
  const routeMap = new Map<string, string>();
  const viaGateway = new Map<string, string>();
  const hostClaims = new Map<string, string[]>();
  for (const [key, route] of routes) {
    if (key.includes('#')) continue; // a revision's route: reached through its function's split or a tag
    const functionKey = `${route.namespace}/${route.name}`;
    const tag = key.includes('@') ? key.slice(key.indexOf('@') + 1) : undefined;
    const label = `${tag === undefined ? '' : `${tag}-`}${route.name}`;
    const host = `${label}.${route.namespace}.${options.domain}`;
    // A label over 63 characters is no host route to the gateway either.
    if (label.length <= 63) hostClaims.set(host, [...(hostClaims.get(host) ?? []), key]);
    const reason = gatewayReason(route, options);
    if (reason !== undefined) {
      viaGateway.set(functionKey, reason);
      continue;
    }
    const targets = route.split ?? [{ percent: 100, key: route.key ?? key }];
    for (let bucket = 0; bucket < SPLIT_BUCKETS; bucket++) {
      // The middle of each bucket: with whole percents, bucket b goes where pickSplit sends (b + 0.5) %.
      const revisionKey = pickSplit(targets, (bucket + 0.5) / SPLIT_BUCKETS);
      const revision = revisionKey === undefined ? undefined : (routes.get(revisionKey) ?? (revisionKey === key ? route : undefined));
      if (revision?.revision === undefined) continue; // no revision with traffic: the gateway answers 503
      const backend = backendOf(revision);
      backends.set(backend.name, backend);
      routeMap.set(`${key}/${bucket}`, backend.name);
    }
  }
  const hosts = new Map<string, string>();
  for (const [host, keys] of hostClaims) {
    // Two readings of one host (a function `old-hello` and tag `old` of `hello`): the gateway decides.
    const [key] = keys;
    if (keys.length === 1 && key !== undefined && routeMap.has(`${key}/0`)) hosts.set(host, key);
  }
  return { backends, routes: routeMap, hosts, viaGateway };
}

function gatewayReason(route: FunctionRoute, options: ModelOptions): string | undefined {
  if (route.access === 'token') return 'access: token (the gateway checks the caller’s token)';
  return options.namespaceNeedsGateway(route.namespace);
}

/** `rev.<namespace>.<revision>`: namespaces and revision names are DNS labels, so this is unique and a valid haproxy name. */
export function backendName(namespace: string, revision: string): string {
  return `rev.${namespace}.${revision}`;
}

function backendOf(route: FunctionRoute): IngressBackend {
  const servers = route.endpoints.map((endpoint) => {
    const url = new URL(endpoint.url);
    return { name: endpoint.pod, host: url.hostname, port: Number(url.port), maxconn: endpoint.concurrency };
  });
  return {
    name: backendName(route.namespace, route.revision!),
    namespace: route.namespace,
    function: route.name,
    servers,
    requestBodyBytes: route.limits?.requestBodyBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    responseBodyBytes: route.limits?.responseBodyBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    serverTimeoutMs: route.timeoutMs + UPSTREAM_TIMEOUT_MARGIN_MS,
    queueTimeoutMs: route.timeoutMs,
  };
}
