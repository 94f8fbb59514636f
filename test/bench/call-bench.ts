import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { createCpuMeter } from './process-cpu.js';
import { summarize, type LatencySummary } from './stats.js';

export const CALL_BENCH = { warmupRequests: 500, requests: 5_000, blockRequests: 500, concurrency: 32, throughputSeconds: 3, requestTimeoutMs: 10_000 };

type Way = 'direct' | 'gateway';
interface Target {
  way: Way;
  origin: string;
  path: string;
}

export interface CallBenchResult {
  latencyMs: Record<Way, LatencySummary>;
  addedMs: { p50: number; p99: number };
  throughput: Record<Way, { requests: number; seconds: number; requestsPerSecond: number }>;
  /** CPU of the Tide process per request, in µs (undefined without /proc). */
  tideCpuUsPerRequest: { gatewayLatencyRuns?: number; gatewayThroughputRun?: number; directRunsBaseline?: number };
}

export class CallFailedError extends Error {
  constructor(readonly url: string, readonly status: number) {
    super(`GET ${url} answered ${status}, not 200`);
    this.name = 'CallFailedError';
  }
}

/** Warm calls to the hello pod, straight to its endpoint and through the gateway, on keep-alive connections. */
export async function runCallBench(options: { tideUrl: string; podEndpoint: string; tidePid: number | undefined }): Promise<CallBenchResult> {
  const direct: Target = { way: 'direct', origin: options.podEndpoint, path: '/' };
  const gateway: Target = { way: 'gateway', origin: options.tideUrl, path: '/fn/default/hello' };
  const latency = await measureLatency([direct, gateway], options.tidePid);
  const gatewayThroughput = await measureThroughput(gateway, options.tidePid);
  const directThroughput = await measureThroughput(direct, undefined);
  const perRequestUs = (seconds: number | undefined, requests: number) => (seconds === undefined ? undefined : (seconds / requests) * 1e6);
  return {
    latencyMs: { direct: summarize(latency.direct.samples), gateway: summarize(latency.gateway.samples) },
    addedMs: {
      p50: summarize(latency.gateway.samples).p50 - summarize(latency.direct.samples).p50,
      p99: summarize(latency.gateway.samples).p99 - summarize(latency.direct.samples).p99,
    },
    throughput: { direct: directThroughput.result, gateway: gatewayThroughput.result },
    tideCpuUsPerRequest: {
      gatewayLatencyRuns: perRequestUs(latency.gateway.cpuSeconds, CALL_BENCH.requests),
      gatewayThroughputRun: perRequestUs(gatewayThroughput.cpuSeconds, gatewayThroughput.result.requests),
      directRunsBaseline: perRequestUs(latency.direct.cpuSeconds, CALL_BENCH.requests),
    },
  };
}

/**
 * Concurrency 1: a warm-up each way, then blocks of 500 alternating ABBA (direct, gateway, gateway,
 * direct, ...) so that whatever else the machine does lands on both ways alike.
 */
async function measureLatency(targets: [Target, Target], tidePid: number | undefined) {
  const pools = targets.map((t) => new Pool(t.origin, { connections: 1, headersTimeout: CALL_BENCH.requestTimeoutMs, bodyTimeout: CALL_BENCH.requestTimeoutMs }));
  const runs = targets.map(() => ({ samples: [] as number[], cpu: createCpuMeter(tidePid) }));
  try {
    for (const [i, target] of targets.entries()) for (let n = 0; n < CALL_BENCH.warmupRequests; n++) await call(pools[i]!, target);
    const blocks = CALL_BENCH.requests / CALL_BENCH.blockRequests;
    for (let round = 0; round < blocks; round++) {
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) {
        const run = runs[i]!;
        await run.cpu.measure(async () => {
          for (let n = 0; n < CALL_BENCH.blockRequests; n++) run.samples.push(await call(pools[i]!, targets[i]!));
        });
      }
    }
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
  const [direct, gateway] = runs.map((r) => ({ samples: r.samples, cpuSeconds: r.cpu.seconds() }));
  return { direct: direct!, gateway: gateway! };
}

/** Concurrency 32 for 3 s: 32 loops, each one request at a time, on a pool of 32 keep-alive connections. */
async function measureThroughput(target: Target, tidePid: number | undefined) {
  const pool = new Pool(target.origin, { connections: CALL_BENCH.concurrency, headersTimeout: CALL_BENCH.requestTimeoutMs, bodyTimeout: CALL_BENCH.requestTimeoutMs });
  const cpu = createCpuMeter(tidePid);
  let requests = 0;
  try {
    const seconds = await cpu.measure(async () => {
      const started = performance.now();
      const deadline = started + CALL_BENCH.throughputSeconds * 1000;
      const loop = async () => {
        while (performance.now() < deadline) {
          await call(pool, target);
          requests++;
        }
      };
      await Promise.all(Array.from({ length: CALL_BENCH.concurrency }, loop));
      return (performance.now() - started) / 1000;
    });
    return { result: { requests, seconds, requestsPerSecond: requests / seconds }, cpuSeconds: cpu.seconds() };
  } finally {
    await pool.close();
  }
}

/** One GET, body read to the end; resolves with its latency in ms. */
async function call(pool: Pool, target: Target): Promise<number> {
  const started = performance.now();
  const res = await pool.request({ method: 'GET', path: target.path });
  await res.body.text();
  const ms = performance.now() - started;
  if (res.statusCode !== 200) throw new CallFailedError(`${target.origin}${target.path}`, res.statusCode);
  return ms;
}
