import type { PodRunSpec } from '../pod-types.js';

/**
 * A pod's whole environment, built from its spec and never inherited from the agent: platform
 * variables (NODE_OPTIONS, NODE_EXTRA_CA_CERTS, credentials) must not reach functions.
 * Order of precedence: the pod's identity (TIDE_*) over the function's env over the defaults
 * (PATH, HOME = the pod's directory).
 */
export function buildPodEnv(spec: PodRunSpec, defaults: { home: string; path: string }): Record<string, string> {
  return {
    PATH: defaults.path,
    HOME: defaults.home,
    ...spec.env,
    TIDE_NAMESPACE: spec.namespace,
    TIDE_FUNCTION: spec.functionName,
    TIDE_REVISION: spec.revision,
    TIDE_POD: spec.name,
  };
}

/** A PATH that finds the agent's own node first, then the usual system directories. */
export function defaultPodPath(nodeDir: string): string {
  return [nodeDir, '/usr/local/bin', '/usr/bin', '/bin'].join(':');
}
