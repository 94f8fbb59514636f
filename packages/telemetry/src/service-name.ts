/**
 * The service a process reports itself as (traces' resource, metrics' target_info): the name the
 * process gives (tide-control-plane, tide-gateway, tide-node, tide-up) unless OTEL_SERVICE_NAME,
 * the standard variable, names it otherwise.
 */
export function serviceNameOf(serviceName: string, env: Readonly<Record<string, string | undefined>>): string {
  return env.OTEL_SERVICE_NAME?.trim() || serviceName;
}
