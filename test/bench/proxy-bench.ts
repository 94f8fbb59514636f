import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { createCpuMeter } from './process-cpu.js';
import { summarize, type LatencySummary } from './stats.js';

export const PROXY_BENCH = {
  warmupRequests: 500,
  requests: 5_000,
  blockRequests: 500,
  concurrency: 32,
  /** Each way's time at concurrency 32, in blocks of throughputBlockSeconds. */
  throughputSeconds: 6,
  throughputBlockSeconds: 1,
  requestTimeoutMs: 10_000,
};

/** One way to reach the warm hello pod: straight to it, or through a proxy whose processes' CPU is measured. */
export interface Way {
  name: string;
  origin: string;
  path: string;
  /** The proxy's processes (nginx: master and workers); for `direct`, Tide's, as its idle baseline. */
  cpuPids: readonly number[] | undefined;
}

export interface WayFigures {
  name: string;
  latencyMs: LatencySummary;
  /** This way's p50/p99 minus direct's. */
  addedMs: { p50: number; p99: number };
  throughput: { requests: number; seconds: number; requestsPerSecond: number };
  /** CPU (utime+stime) of `cpuPids` per request in µs, at concurrency 1 and 32 (undefined without /proc). */
  cpuUsPerRequest: { concurrency1?: number; concurrency32?: number };
}

export class CallFailedError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
  ) {
    super(`GET ${url} answered ${status}, not 200`);
    this.name = 'CallFailedError';
  }
}

/**
 * Warm calls to one pod by every way, on keep-alive connections: latency at concurrency 1, then
 * throughput at concurrency 32, each in interleaved blocks so that whatever else the machine does
 * lands on every way alike. `ways[0]` is the direct way the others' added latency is measured against.
 */
export async function runProxyBench(ways: readonly Way[]): Promise<WayFigures[]> {
  const latency = await measureLatency(ways);
  const throughput = await measureThroughput(ways);
  const direct = summarize(latency[0]!.samples);
  return ways.map((way, i) => {
    const lat = summarize(latency[i]!.samples);
    const tp = throughput[i]!;
    return {
      name: way.name,
      latencyMs: lat,
      addedMs: { p50: lat.p50 - direct.p50, p99: lat.p99 - direct.p99 },
      throughput: tp.result,
      cpuUsPerRequest: { concurrency1: perRequestUs(latency[i]!.cpuSeconds, lat.count), concurrency32: perRequestUs(tp.cpuSeconds, tp.result.requests) },
    };
  });
}

function perRequestUs(seconds: number | undefined, requests: number): number | undefined {
  return seconds === undefined || requests === 0 ? undefined : (seconds / requests) * 1e6;
}

/**
 * Concurrency 1: a warm-up each way, then blocks of 500 in an order that reverses every round
 * (see `roundOrder`).
 */
async function measureLatency(ways: readonly Way[]) {
  const pools = ways.map(
    (w) => new Pool(w.origin, { connections: 1, headersTimeout: PROXY_BENCH.requestTimeoutMs, bodyTimeout: PROXY_BENCH.requestTimeoutMs }),
  );
  const runs = ways.map((w) => ({ samples: [] as number[], cpu: createCpuMeter(w.cpuPids) }));
  try {
    for (const [i, way] of ways.entries()) for (let n = 0; n < PROXY_BENCH.warmupRequests; n++) await call(pools[i]!, way);
    for (let round = 0; round < PROXY_BENCH.requests / PROXY_BENCH.blockRequests; round++) {
      for (const i of roundOrder(ways.length, round)) {
        const run = runs[i]!;
        await run.cpu.measure(async () => {
          for (let n = 0; n < PROXY_BENCH.blockRequests; n++) run.samples.push(await call(pools[i]!, ways[i]!));
        });
      }
    }
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
  return runs.map((r) => ({ samples: r.samples, cpuSeconds: r.cpu.seconds() }));
}

/**
 * Concurrency 32: 32 loops, each one request at a time, on a pool of 32 keep-alive connections
 * per way, in blocks of `throughputBlockSeconds` taken in the order `roundOrder` gives until each
 * way has had `throughputSeconds`. Measured one way after the other, the ways' figures differed
 * by whatever the machine did meanwhile (a quiet run saw its yardstick drift by half).
 */
async function measureThroughput(ways: readonly Way[]) {
  const pools = ways.map(
    (w) =>
      new Pool(w.origin, { connections: PROXY_BENCH.concurrency, headersTimeout: PROXY_BENCH.requestTimeoutMs, bodyTimeout: PROXY_BENCH.requestTimeoutMs }),
  );
  const runs = ways.map((w) => ({ requests: 0, seconds: 0, cpu: createCpuMeter(w.cpuPids) }));
  try {
    const rounds = Math.max(1, Math.round(PROXY_BENCH.throughputSeconds / PROXY_BENCH.throughputBlockSeconds));
    for (let round = 0; round < rounds; round++) {
      for (const i of roundOrder(ways.length, round)) {
        const run = runs[i]!;
        run.seconds += await run.cpu.measure(async () => {
          const started = performance.now();
          const deadline = started + (PROXY_BENCH.throughputSeconds / rounds) * 1000;
          const loop = async () => {
            while (performance.now() < deadline) {
              await call(pools[i]!, ways[i]!);
              run.requests++;
            }
          };
          await Promise.all(Array.from({ length: PROXY_BENCH.concurrency }, loop));
          return (performance.now() - started) / 1000;
        });
      }
    }
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
  return runs.map((r) => ({ result: { requests: r.requests, seconds: r.seconds, requestsPerSecond: r.requests / r.seconds }, cpuSeconds: r.cpu.seconds() }));
}

/**
 * The order of the ways in round `round`: forward, then backward, and so on (A B C, C B A, A B C,
 * ... — ABBA for two ways), so that no way always follows the same one.
 */
export function roundOrder(ways: number, round: number): number[] {
  const forward = Array.from({ length: ways }, (_, i) => i);
  return round % 2 === 0 ? forward : forward.reverse();
}

/** One GET, body read to the end; resolves with its latency in ms. */
async function call(pool: Pool, way: Way): Promise<number> {
  const started = performance.now();
  const res = await pool.request({ method: 'GET', path: way.path });
  await res.body.text();
  const ms = performance.now() - started;
  if (res.statusCode !== 200) throw new CallFailedError(`${way.origin}${way.path}`, res.statusCode);
  return ms;
}
