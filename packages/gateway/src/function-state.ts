import type { EndpointPools, EndpointState } from './endpoint-pools.js';
import type { GatewayCall } from './gateway-call.js';
import type { InvocationCount } from './gateway-metrics.js';
import type { FunctionRoute } from './route-table.js';

/** What the gateway tracks per function it has routed: its pods, its waiting line, its counts. */
export class FunctionState {
  readonly key: string;
  route!: FunctionRoute;
  /** Parallel to route.endpoints. */
  endpoints: EndpointState[] = [];
  /** Requests waiting for a pod with a free slot, oldest first. */
  readonly waiting: GatewayCall[] = [];
  inFlight = 0;
  requests = 0;
  /** For the autoscaler: in-flight requests integrated over time since the last collect (ms·requests). */
  inFlightArea = 0;
  arrivals = 0;
  /** For `tide top`, since the last collect: calls answered, of them errors (5xx or none), their latencies, and cold arrivals. */
  completed = 0;
  errors = 0;
  readonly latencyBuckets = new Map<number, number>();
  coldArrivals = 0;
  /** This route's tide_invocations_total series by response status, found once (see GatewayMetrics). */
  readonly metricAttributes = new Map<number, InvocationCount>();
  /** Average in flight in the last report; a jump well past it is reported at once. */
  lastReportedConcurrency = 0;
  lastChangeAt = 0;
  sampleSince = 0;

  /** Call before inFlight changes: accumulates the time the current count lasted. */
  account(now: number): void {
    this.inFlightArea += this.inFlight * (now - this.lastChangeAt);
    this.lastChangeAt = now;
  }

  constructor(
    readonly namespace: string,
    readonly name: string,
    route: FunctionRoute,
    pools: EndpointPools,
  ) {
    this.key = route.key ?? `${namespace}/${name}`;
    this.lastChangeAt = this.sampleSince = performance.now();
    this.useRoute(route, pools);
  }

  useRoute(route: FunctionRoute, pools: EndpointPools): void {
    this.route = route;
    this.endpoints = route.endpoints.map((endpoint) => pools.stateFor(endpoint));
  }

  removeWaiting(call: GatewayCall): void {
    const at = this.waiting.indexOf(call);
    if (at >= 0) this.waiting.splice(at, 1);
  }
}
