import type { OtlpReceiver } from '../support/otlp-receiver.js';
import { otlpEnv } from '../support/otlp-receiver.js';
import type { FunctionBundle } from './function-bundle.js';
import { deployHello } from './hello-pod.js';
import { runProxyBench, type Way, type WayFigures } from './proxy-bench.js';

/**
 * Section 14 (issue 13, acceptance 5): what tracing costs a call through the gateway. Three `tide
 * up`s with hello deployed — tracing off (no exporter: the default), sampling 1 % and 100 % of the
 * calls that arrive without a trace (`parentbased_traceidratio`), exporting OTLP/HTTP to a
 * receiver in this process — are measured side by side by the proxy bench's interleaved blocks
 * (direct to the off Tide's pod first, as the yardstick): Tide's CPU per request at c=1 and c=32,
 * and the latency each adds.
 */
export const TRACING_MODES = [
  { name: 'off', ratio: undefined },
  { name: '1 %', ratio: 0.01 },
  { name: '100 %', ratio: 1 },
] as const;

export interface TracingMode {
  name: string;
  figures: WayFigures;
  /** Tide's CPU per request at c=32 against tracing off, %. */
  cpuVsOffPct?: number;
  /** p50 at c=1 against tracing off, µs. */
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
    if (ways.length === 0) ways.push({ name: 'direct', origin: podEndpoint, path: '/', cpuPids });
    ways.push({ name: mode.name, origin: tide.url, path: '/fn/default/hello', cpuPids });
  }
  const [direct, ...figures] = await runProxyBench(ways);
  const off = figures[0]!;
  const modes = figures.map((f) => {
    const offCpu = off.cpuUsPerRequest.concurrency32;
    const cpu = f.cpuUsPerRequest.concurrency32;
    return {
      name: f.name,
      figures: f,
      ...(offCpu !== undefined && cpu !== undefined && f !== off ? { cpuVsOffPct: ((cpu - offCpu) / offCpu) * 100 } : {}),
      ...(f !== off ? { addedP50Us: (f.latencyMs.p50 - off.latencyMs.p50) * 1000 } : {}),
    };
  });
  return { direct: direct!, modes, spansReceived: receiver.count() };
}
