import type { OtlpReceiver } from '../support/otlp-receiver.js';
import { otlpEnv } from '../support/otlp-receiver.js';
import type { FunctionBundle } from './function-bundle.js';
import { deployHello } from './hello-pod.js';
import { runProxyBench, type Way, type WayFigures } from './proxy-bench.js';

/**
 * Section 14 (issue 13, acceptance 5): what tracing costs a call through the gateway. Three `tide
 * up`s with hello deployed — tracing off (no exporter: the default), sampling 1 % and 100 % of the
 * calls that arrive without a trace (`parentbased_traceidratio`), exporting OTLP/HTTP to a
 * receiver in this process — are measured side by side by the proxy bench's interleaved blocks,
 * each beside its own pod called directly: Tide's CPU per request at c=1 and c=32, and the latency
 * each adds. The latency tracing adds is taken over each Tide's own pod: two Tides both without
 * tracing differed by 45–55 µs at p50 through the gateway, as their pods did called directly.
 */
export const TRACING_MODES = [
  { name: 'off', ratio: undefined },
  { name: '1 %', ratio: 0.01 },
  { name: '100 %', ratio: 1 },
] as const;

export interface TracingMode {
  name: string;
  figures: WayFigures;
  /** This Tide's pod called directly, in the same blocks. */
  pod: WayFigures;
  /** Tide's CPU per request at c=32 against tracing off, %. */
  cpuVsOffPct?: number;
  /** p50 at c=1 over its own pod's, against tracing off's over its pod's, µs. */
  addedP50Us?: number;
}

export interface TracingBenchResult {
  direct: WayFigures;
  modes: TracingMode[];
  /** Spans the receiver got over the whole run. */
  spansReceived: number;
}

export type StartTracedTide = (env: Record<string, string>) => Promise<{ url: string; pid: number | undefined }>;

export async function runTracingBench(startTide: StartTracedTide, hello: FunctionBundle, receiver: OtlpReceiver): Promise<TracingBenchResult> {
  const ways: Way[] = [];
  for (const mode of TRACING_MODES) {
    const env: Record<string, string> =
      mode.ratio === undefined ? {} : { ...otlpEnv(receiver), OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: String(mode.ratio) };
    const tide = await startTide(env);
    const { podEndpoint } = await deployHello(tide.url, hello);
    const cpuPids = tide.pid === undefined ? undefined : [tide.pid];
    ways.push({ name: `${mode.name} pod`, origin: podEndpoint, path: '/', cpuPids });
    ways.push({ name: mode.name, origin: tide.url, path: '/fn/default/hello', cpuPids });
  }
  const figures = await runProxyBench(ways);
  const pairs = TRACING_MODES.map((_, i) => ({ pod: figures[2 * i]!, gateway: figures[2 * i + 1]! }));
  const off = pairs[0]!;
  const overPod = (pair: (typeof pairs)[number]) => pair.gateway.latencyMs.p50 - pair.pod.latencyMs.p50;
  const modes = pairs.map((pair) => {
    const offCpu = off.gateway.cpuUsPerRequest.concurrency32;
    const cpu = pair.gateway.cpuUsPerRequest.concurrency32;
    return {
      name: pair.gateway.name,
      figures: pair.gateway,
      pod: pair.pod,
      ...(offCpu !== undefined && cpu !== undefined && pair !== off ? { cpuVsOffPct: ((cpu - offCpu) / offCpu) * 100 } : {}),
      ...(pair !== off ? { addedP50Us: (overPod(pair) - overPod(off)) * 1000 } : {}),
    };
  });
  return { direct: off.pod, modes, spansReceived: receiver.count() };
}
