/** The figures Tide aims at, printed next to what was measured (targets, not assertions). */
export const TARGETS = {
  /** Latency the gateway adds to a warm call at concurrency 1, p50 and p99 (issue 14). */
  gatewayAddedP50Ms: 0.15,
  gatewayAddedP99Ms: 1,
  /** Gateway CPU per proxied request, as a multiple of nginx's (the HAProxy ingress's goal). */
  gatewayCpuPerNginxCpu: 2,
  /** The built-in gateway against the minimal Node proxy (node:http + undici Pool): CPU per request at most 1.2 ×, throughput at c=32 at least 80 % (issue 14: within 20 % of the floor). */
  gatewayCpuPerMinimalCpu: 1.2,
  gatewayThroughputOfMinimal: 0.8,
  /** Request at zero → first byte with a warm-pool hit. */
  coldStartPoolP50Ms: 8,
  coldStartPoolP99Ms: 20,
  /** Request at zero → first byte when every start spawns a process. */
  coldStartSpawnP50Ms: 60,
  /** What `--sandbox bwrap` adds to a warm-pool cold start (first byte, p50). */
  sandboxAddedPoolP50Ms: 1,
  /** Load step → first scale decision (ScaleSet). */
  stepToDecisionMs: 250,
  /** Record produced → function invoked through a Kafka trigger on the embedded log. */
  triggerInvokedP50Ms: 10,
  triggerInvokedP99Ms: 50,
  /** Records of 1 KB through a Kafka trigger, batches of 100 to a queue handler, on either bus. */
  triggerEventsPerSecond: 20_000,
  /** How much a neighbouring function's p99 may rise while another tenant abuses its pod, % (issue 12, acceptance 5). */
  neighbourP99RisePct: 20,
  /** What tracing adds to the gateway's CPU per request at 1 % and 100 % sampling, %, and to its p50 at 1 %, µs (issue 13, acceptance 5). */
  tracingCpuPct1: 5,
  tracingCpuPct100: 15,
  tracingAddedP50Us1: 20,
} as const;

/** "yes" / "NO" / "n/a": whether `value` is at least `floor`. */
export function reaches(value: number | undefined, floor: number): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  return value >= floor ? 'yes' : 'NO';
}

/** "yes" / "NO" / "n/a": whether `value` is within `limit` (at most). */
export function meets(value: number | undefined, limit: number): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  return value <= limit ? 'yes' : 'NO';
}
