import type { BodyLimits } from '@tide/core';

/** One ready pod of a function, as the gateway reaches it. */
export interface PodEndpoint {
  pod: string;
  /** Origin of the pod's HTTP server, e.g. "http://127.0.0.1:41234". */
  url: string;
  /** Most requests the pod may have in flight at once. */
  concurrency: number;
}

export interface FunctionRoute {
  namespace: string;
  name: string;
  /** Ready pods only; may be empty while pods start (requests are then held). */
  endpoints: readonly PodEndpoint[];
  /** The function's timeout. */
  timeoutMs: number;
  /** Body limits each way (spec.limits); absent: Lambda's 6 MB each. */
  limits?: BodyLimits;
  /** Most in-flight requests per pod (spec.concurrency): bounds the waiting line at 10x this. */
  concurrency?: number;
  /** `token` when the function's calls need a caller's token (spec.access): public calls skip the check. */
  access?: 'token';
  /** Identifies the route's pods and waiting line (one per revision); default `namespace/name`. */
  key?: string;
  /** The revision whose pods these are (a revision's route); its calls are counted under it. */
  revision?: string;
  /**
   * Traffic split: each request picks one of these routes (by key) with the given percent. A route
   * with a split serves through those routes, not its own endpoints.
   */
  split?: readonly { percent: number; key: string }[];
  /**
   * Set while the function has no pod that serves and its pods are failing (e.g. "pod hello-00001-x
   * exited: import failed: ..."): requests get 502 with this reason instead of waiting.
   */
  failure?: string;
}

/** The gateway's view of where functions run; fed by whoever watches cluster state. */
export interface RouteTable {
  /** undefined = no such function or tag (404). */
  lookup(namespace: string, name: string, tag?: string): FunctionRoute | undefined;
  /** A route by its key (a revision's route that a split names). */
  lookupKey?(key: string): FunctionRoute | undefined;
  /** Called whenever routes change; returns an unsubscribe function. */
  subscribe(listener: () => void): () => void;
}
