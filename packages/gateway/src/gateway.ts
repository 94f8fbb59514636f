import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { INVOCATION_PREFIX, type InvocationTarget, parseInvocationPath } from './core/parse-invocation-path.js';
import { pickEndpoint } from './core/pick-endpoint.js';
import { pickSplit } from './core/traffic-split.js';
import { EndpointPools, type EndpointState } from './endpoint-pools.js';
import { GatewayMetrics } from './gateway-metrics.js';
import { sendError, sendSocketError } from './error-response.js';
import { FunctionState } from './function-state.js';
import type { CallOwner, GatewayCall } from './gateway-call.js';
import { ProxyCall } from './proxy-call.js';
import { TunnelCall } from './tunnel-call.js';
import { type InvocationHost, parseInvocationHost } from './core/parse-invocation-host.js';
import { COMPONENT_TOKEN_HEADER, isComponentCall } from './core/component-token.js';
import type { FunctionRoute, RouteTable } from './route-table.js';
import { countLatency, type LatencyBuckets, type RateDecision } from '@tide/core';
import { declaredBodyRefusal, routeLimits } from './body-limit.js';
import type { InvocationGate } from './invocation-gate.js';

export interface GatewayOptions {
  routes: RouteTable;
  /** Routes `<name>.<namespace>.<domain>` (and `<tag>-<name>...`) by Host, as Knative does; absent: /fn/... only. */
  domain?: string;
  /** How long a request may wait for a free pod; default: the function's timeoutMs. */
  holdTimeoutMs?: number;
  /** Keep-alive connections per pod; default: the pod's concurrency. */
  connectionsPerPod?: number;
  /** Most requests one function may have waiting for a pod; beyond it, 429 at once. Default 10 × its concurrency. */
  maxWaitingPerFunction?: number;
  /** Told at once when a request must wait because the function has no ready pod (a cold start). */
  onColdRequest?: (namespace: string, name: string) => void;
  /** Told at once when a function's requests in flight jump to twice what was last reported (a load step). */
  onLoadStep?: (namespace: string, name: string) => void;
  /**
   * A secret shared with Tide's own components: a call whose `tide-component-token` header equals it
   * keeps its `tide-invoke` header (the triggers process calling a module's queue() or scheduled()).
   * Without it, or from anyone else, `tide-invoke` is stripped. The token header is never forwarded.
   */
  componentToken?: string;
  /**
   * Takes one invocation from the namespace's invocationsPerSecond bucket (429 with Retry-After when
   * empty); absent: no rate limits. Calls from Tide's own components are not counted: an async call
   * was counted when it was accepted, and triggers' deliveries are the platform's.
   */
  invocationLimit?: InvocationLimit;
  /**
   * Checks the caller's bearer token when the function's access is `token` (401, 403, or 429 after
   * too many failures); absent: every function is public. Calls from Tide's own components (the
   * component token) are not asked: an async call was checked when it was accepted.
   */
  gate?: InvocationGate;
}

/** One namespace's invocation bucket, shared by synchronous and async calls. */
export type InvocationLimit = (namespace: string) => RateDecision;

/** What a gateway saw of one function since the previous collect: the autoscaler's input. */
export interface LoadSample {
  namespace: string;
  name: string;
  /** Average requests in flight (waiting for a pod or at one) over the interval. */
  concurrency: number;
  /** Requests that arrived in the interval. */
  requests: number;
  /** Requests waiting for a pod right now. */
  waiting: number;
  /** Requests in flight right now (waiting or at a pod). */
  inFlight: number;
  intervalMs: number;
  /** The trace context of the oldest request waiting for a pod (FunctionLoad.wake). */
  wake?: string;
  /** Calls answered in the interval; of them, 5xx or unanswered; their latencies (ms) per bucket. */
  completed: number;
  errors: number;
  latencyBuckets: LatencyBuckets;
  /** Calls that arrived to no ready pod and waited for one to start. */
  coldStarts: number;
}

export interface GatewayStats {
  /** Calls in flight, WebSocket tunnels included. */
  inFlight: number;
  /** WebSocket tunnels open or waiting for a pod (they last as long as their clients want). */
  tunnels: number;
  requests: number;
  byFunction: Record<string, { inFlight: number; requests: number }>;
}

export interface Gateway {
  /** Handles a request for a function (path /fn/..., or a Host under the domain); returns false for any other. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** The same for a server's 'upgrade' event (WebSockets): tunnels the connection to a pod, both ways. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  stats(): GatewayStats;
  /** Load per function since the last call (functions with no load at all are left out). */
  collect(): LoadSample[];
  /** Answers waiting requests with 503, stops following routes and closes the pools. */
  close(): Promise<void>;
}

/** Waiting line per function, in multiples of its per-pod concurrency (design: 10 × concurrency). */
const WAITING_PER_CONCURRENCY = 10;
const FALLBACK_CONCURRENCY = 100;
/** Times a request refused at connect (the pod was already gone) is tried on another pod. */
const MAX_REDISPATCH = 3;
/** In-flight requests that, at twice the last reported average or more, make a load step worth reporting at once. */
const LOAD_STEP_MIN = 4;
const LOAD_STEP_FACTOR = 2;
/** How long a pod that refused a connection is passed over by retries. */
const REFUSED_MS = 2000;
/** Seconds a client should wait before retrying a request no pod could take. */
const RETRY_AFTER_SECONDS = 1;

export function createGateway(options: GatewayOptions): Gateway {
  return new InvocationGateway(options);
}

class InvocationGateway implements Gateway, CallOwner {
  readonly #routes: RouteTable;
  readonly #domain: string | undefined;
  readonly #holdTimeoutMs: number | undefined;
  readonly #maxWaiting: number | undefined;
  readonly #onColdRequest: ((namespace: string, name: string) => void) | undefined;
  readonly #onLoadStep: ((namespace: string, name: string) => void) | undefined;
  readonly #componentToken: string | undefined;
  readonly #invocationLimit: InvocationLimit | undefined;
  readonly #gate: InvocationGate | undefined;
  readonly #pools: EndpointPools;
  readonly #functions = new Map<string, FunctionState>();
  readonly #tunnels = new Set<TunnelCall>();
  readonly #unsubscribe: () => void;
  #inFlight = 0;
  #requests = 0;
  #closed = false;
  readonly #metrics = new GatewayMetrics(() => this.#functions.values());

  constructor(options: GatewayOptions) {
    this.#routes = options.routes;
    this.#domain = options.domain;
    this.#holdTimeoutMs = options.holdTimeoutMs;
    this.#maxWaiting = options.maxWaitingPerFunction;
    this.#onColdRequest = options.onColdRequest;
    this.#onLoadStep = options.onLoadStep;
    this.#componentToken = options.componentToken;
    this.#invocationLimit = options.invocationLimit;
    this.#gate = options.gate;
    this.#pools = new EndpointPools(options.connectionsPerPod);
    this.#unsubscribe = this.#routes.subscribe(() => this.#routesChanged());
  }

  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const resolved = this.#resolve(req);
    if (resolved === undefined) return false;
    if (resolved.kind === 'refused') sendError(res, resolved.status, resolved.message, resolved.retryAfterSeconds);
    else {
      const fromComponent = isComponentCall(req.headers[COMPONENT_TOKEN_HEADER], this.#componentToken);
      // The token before the quota: a caller without the right spends nothing of the namespace's invocations.
      const refusal: Refusal | undefined =
        (fromComponent ? undefined : (this.#gated(req, resolved.target, resolved.route) ?? this.#limited(resolved.target.namespace))) ??
        declaredBodyRefusal(req, resolved.route);
      // Closing: the body the caller still sends is never read, nor drained.
      if (refusal !== undefined)
        return (sendError(res, refusal.status, refusal.message, refusal.retryAfterSeconds, refusal.status === 413, refusal.headers), true);
      this.#admit(
        new ProxyCall(this, this.#functionState(resolved.target, resolved.route), req, res, resolved.target, fromComponent, routeLimits(resolved.route)),
      );
    }
    return true;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const resolved = this.#resolve(req);
    if (resolved === undefined) return false;
    const refusal: Refusal | undefined =
      resolved.kind === 'call' ? (this.#gated(req, resolved.target, resolved.route) ?? this.#limited(resolved.target.namespace)) : undefined;
    if (resolved.kind === 'refused') sendSocketError(socket, resolved.status, resolved.message, resolved.retryAfterSeconds);
    else if (refusal !== undefined) sendSocketError(socket, refusal.status, refusal.message, refusal.retryAfterSeconds, refusal.headers);
    else {
      const tunnel = new TunnelCall(this, this.#functionState(resolved.target, resolved.route), req, socket, head, resolved.target);
      this.#tunnels.add(tunnel);
      this.#admit(tunnel);
    }
    return true;
  }

  /** 401, 403 or 429 when the function's access is `token` and the caller's token does not do, else undefined. */
  #gated(req: IncomingMessage, target: InvocationTarget, route: FunctionRoute): Refusal | undefined {
    // A public function's call (most of them) asks nothing of the state: the route says.
    if (route.access !== 'token') return undefined;
    return this.#gate?.(target, req.headers.authorization, req.socket.remoteAddress ?? 'unknown');
  }

  /** 429 when the namespace is over its invocationsPerSecond (its quota), else undefined. */
  #limited(namespace: string): { status: number; message: string; retryAfterSeconds?: number } | undefined {
    const decision = this.#invocationLimit?.(namespace);
    if (decision === undefined || decision.kind === 'allowed') return undefined;
    return { status: 429, message: decision.message, retryAfterSeconds: decision.retryAfterSeconds };
  }

  /** Which function and revision a request is for, an answer that refuses it, or undefined if it is not an invocation. */
  #resolve(req: IncomingMessage): Resolution | undefined {
    const url = req.url;
    if (url === undefined) return undefined;
    const host = this.#domain === undefined ? undefined : parseInvocationHost(req.headers.host, this.#domain);
    if (host === undefined && !url.startsWith(INVOCATION_PREFIX)) return undefined;
    if (this.#closed) return { kind: 'refused', status: 503, message: 'gateway is shutting down', retryAfterSeconds: RETRY_AFTER_SECONDS };
    const found = host === undefined ? this.#byPath(url) : this.#byHost(host, url, req.headers.host);
    if (found.kind === 'refused' || found.route.split === undefined) return found;
    const key = pickSplit(found.route.split, Math.random());
    const chosen = key === undefined ? undefined : this.#routes.lookupKey?.(key);
    if (chosen === undefined) {
      const message = `function ${found.target.namespace}/${found.target.name} has no revision with traffic`;
      return { kind: 'refused', status: 503, message, retryAfterSeconds: RETRY_AFTER_SECONDS };
    }
    return { kind: 'call', target: found.target, route: chosen };
  }

  /** `/fn/{namespace}/{name}[@tag]/rest`: the prefix is stripped. */
  #byPath(url: string): Resolution {
    const target = parseInvocationPath(url);
    if (target.kind === 'invalid') return { kind: 'refused', status: 400, message: target.message };
    const route = this.#routes.lookup(target.namespace, target.name, target.tag);
    if (route !== undefined) return { kind: 'call', target, route };
    const what = target.tag === undefined ? '' : ` has no traffic tag "${target.tag}" or`;
    return notFound(`function ${target.namespace}/${target.name}${what} not found`);
  }

  /** `{name}.{namespace}.{domain}` or `{tag}-{name}...`: the app owns the whole path, and x-forwarded-prefix is empty. */
  #byHost(host: InvocationHost, url: string, hostHeader: string | undefined): Resolution {
    if (!url.startsWith('/')) return { kind: 'refused', status: 400, message: `request target ${JSON.stringify(url.slice(0, 80))} is not a path` };
    for (const candidate of host.candidates) {
      const route = this.#routes.lookup(host.namespace, candidate.name, candidate.tag);
      if (route !== undefined)
        return { kind: 'call', target: { kind: 'target', namespace: host.namespace, ...candidate, upstreamPath: url, prefix: '' }, route };
    }
    return notFound(`function ${host.namespace}/${host.candidates[0]?.name} not found (host ${hostHeader})`);
  }

  stats(): GatewayStats {
    const byFunction: GatewayStats['byFunction'] = {};
    for (const fn of this.#functions.values()) byFunction[fn.key] = { inFlight: fn.inFlight, requests: fn.requests };
    return { inFlight: this.#inFlight, tunnels: this.#tunnels.size, requests: this.#requests, byFunction };
  }

  collect(): LoadSample[] {
    const now = performance.now();
    const samples: LoadSample[] = [];
    for (const fn of this.#functions.values()) {
      fn.account(now);
      const intervalMs = now - fn.sampleSince;
      if ((fn.inFlightArea > 0 || fn.arrivals > 0 || fn.inFlight > 0 || fn.completed > 0) && intervalMs > 0) {
        fn.lastReportedConcurrency = fn.inFlightArea / intervalMs;
        samples.push({
          namespace: fn.namespace,
          name: fn.name,
          concurrency: fn.inFlightArea / intervalMs,
          requests: fn.arrivals,
          waiting: fn.waiting.length,
          inFlight: fn.inFlight,
          intervalMs,
          ...wakeOf(fn.waiting),
          completed: fn.completed,
          errors: fn.errors,
          latencyBuckets: Object.fromEntries(fn.latencyBuckets),
          coldStarts: fn.coldArrivals,
        });
      }
      fn.inFlightArea = 0;
      fn.arrivals = 0;
      fn.completed = 0;
      fn.errors = 0;
      fn.latencyBuckets.clear();
      fn.coldArrivals = 0;
      fn.sampleSince = now;
    }
    return samples;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    for (const fn of this.#functions.values()) {
      for (const call of fn.waiting.splice(0)) call.reject(503, 'gateway is shutting down', RETRY_AFTER_SECONDS);
    }
    for (const tunnel of this.#tunnels) tunnel.close();
    await this.#pools.closeAll();
  }

  settled(call: GatewayCall): void {
    const fn = call.fn;
    const now = performance.now();
    this.#metrics.record(fn, call.status, (now - call.admittedAt) / 1000);
    // A WebSocket lasts as long as its client wants: its length is no call's latency.
    if (!(call instanceof TunnelCall)) {
      fn.completed += 1;
      if (call.status === undefined || call.status >= 500) fn.errors += 1;
      countLatency(fn.latencyBuckets, now - call.admittedAt);
    }
    if (call instanceof TunnelCall) this.#tunnels.delete(call);
    fn.account(now);
    fn.inFlight -= 1;
    this.#inFlight -= 1;
    if (call.endpoint !== undefined) {
      call.endpoint.inFlight -= 1;
      if (fn.waiting.length > 0) this.#drain(fn);
    }
  }

  withdrawn(call: GatewayCall): void {
    call.fn.removeWaiting(call);
  }

  /** The pod refused the connection (it is going away): nothing reached it, so another pod may take it. */
  refused(call: GatewayCall, endpoint: EndpointState): boolean {
    if (call.redispatches >= MAX_REDISPATCH || this.#closed) return false;
    const now = performance.now();
    endpoint.refusedUntil = now + REFUSED_MS;
    const others = call.fn.endpoints.filter((e) => e !== endpoint && e.refusedUntil < now);
    const next = others[pickEndpoint(others, Math.random)];
    if (next === undefined) return false;
    call.redispatches += 1;
    endpoint.inFlight -= 1;
    call.dispatch(next);
    return true;
  }

  #functionState(target: InvocationTarget, route: FunctionRoute): FunctionState {
    const key = route.key ?? `${target.namespace}/${target.name}`;
    let fn = this.#functions.get(key);
    if (fn === undefined) {
      fn = new FunctionState(target.namespace, target.name, route, this.#pools);
      this.#functions.set(key, fn);
    } else if (fn.route !== route) {
      fn.useRoute(route, this.#pools);
    }
    return fn;
  }

  #admit(call: GatewayCall): void {
    const fn = call.fn;
    fn.account(performance.now());
    fn.inFlight += 1;
    fn.requests += 1;
    fn.arrivals += 1;
    if (fn.inFlight >= LOAD_STEP_MIN && fn.inFlight >= LOAD_STEP_FACTOR * fn.lastReportedConcurrency) {
      fn.lastReportedConcurrency = fn.inFlight;
      this.#onLoadStep?.(fn.namespace, fn.name);
    }
    this.#inFlight += 1;
    this.#requests += 1;
    // Someone already waiting goes first (FIFO), so only an empty line may skip it.
    if (fn.waiting.length === 0) {
      const index = pickEndpoint(fn.endpoints, Math.random);
      const endpoint = fn.endpoints[index];
      if (endpoint !== undefined) return call.dispatch(endpoint);
    }
    if (fn.endpoints.length === 0 && fn.route.failure !== undefined) return call.reject(503, unavailable(fn), RETRY_AFTER_SECONDS);
    const maxWaiting = this.#maxWaiting ?? WAITING_PER_CONCURRENCY * (fn.route.concurrency ?? FALLBACK_CONCURRENCY);
    if (fn.waiting.length >= maxWaiting) {
      return call.reject(429, `too many requests waiting for a pod of ${fn.key} (${maxWaiting})`, RETRY_AFTER_SECONDS);
    }
    this.#hold(call);
    if (fn.endpoints.length === 0) {
      fn.coldArrivals += 1;
      this.#onColdRequest?.(fn.namespace, fn.name);
    }
  }

  #hold(call: GatewayCall): void {
    const holdMs = this.#holdTimeoutMs ?? call.fn.route.timeoutMs;
    call.holdTimer = setTimeout(onHoldTimeout, holdMs, call, holdMs);
    call.holding();
    call.fn.waiting.push(call);
  }

  /** Hands waiting requests, oldest first, to pods with free slots. */
  #drain(fn: FunctionState): void {
    while (fn.waiting.length > 0) {
      const endpoint = fn.endpoints[pickEndpoint(fn.endpoints, Math.random)];
      if (endpoint === undefined) return;
      const call = fn.waiting.shift() as GatewayCall;
      clearTimeout(call.holdTimer);
      call.holdTimer = undefined;
      call.dispatch(endpoint);
    }
  }

  #routesChanged(): void {
    const liveUrls = new Set<string>();
    for (const fn of this.#functions.values()) {
      const route = this.#routes.lookupKey ? this.#routes.lookupKey(fn.key) : this.#routes.lookup(fn.namespace, fn.name);
      if (route === undefined) {
        for (const call of fn.waiting.splice(0)) call.reject(404, `function ${fn.key} not found`);
        fn.useRoute({ ...fn.route, endpoints: [] }, this.#pools);
        if (fn.inFlight === 0) this.#functions.delete(fn.key);
        continue;
      }
      fn.useRoute(route, this.#pools);
      for (const endpoint of route.endpoints) liveUrls.add(endpoint.url);
      if (fn.endpoints.length === 0 && route.failure !== undefined) {
        for (const call of fn.waiting.splice(0)) call.reject(503, unavailable(fn), RETRY_AFTER_SECONDS);
      }
      this.#drain(fn);
    }
    // Closing is graceful and cannot fail in a way a request would notice; don't block on it.
    this.#pools.retainOnly(liveUrls).catch(() => undefined);
  }
}

/** An answer the gateway gives instead of calling the function. */
interface Refusal {
  status: number;
  message: string;
  retryAfterSeconds?: number;
  headers?: Readonly<Record<string, string>>;
}

type Resolution =
  | { kind: 'call'; target: InvocationTarget; route: FunctionRoute }
  | { kind: 'refused'; status: number; message: string; retryAfterSeconds?: number };

function notFound(message: string): Resolution {
  return { kind: 'refused', status: 404, message };
}

function unavailable(fn: FunctionState): string {
  return `function ${fn.key} has no pod that can serve: ${fn.route.failure}`;
}

/** The oldest waiting call's trace context, for the scale decision it waits for (FunctionLoad.wake). */
function wakeOf(waiting: readonly GatewayCall[]): { wake: string } | Record<string, never> {
  for (const call of waiting) if (call.wake !== undefined) return { wake: call.wake };
  return {};
}

function onHoldTimeout(call: GatewayCall, holdMs: number): void {
  const fn = call.fn;
  fn.removeWaiting(call);
  const message =
    fn.endpoints.length === 0
      ? `no pod of ${fn.key} became ready within ${holdMs} ms`
      : `no pod of ${fn.key} had a free slot within ${holdMs} ms (${fn.endpoints.length} pods, all at their concurrency limit)`;
  call.reject(503, message, RETRY_AFTER_SECONDS);
}
