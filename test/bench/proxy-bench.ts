import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { createCpuMeter } from './process-cpu.js';
import { summarize, type LatencySummary } from './stats.js';

export const PROXY_BENCH = { warmupRequests: 500, requests: 5_000, blockRequests: 500, concurrency: 32, throughputSeconds: 3, requestTimeoutMs: 10_000 };

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
 * Warm calls to one pod by every way, on keep-alive connections: latency at concurrency 1 in
 * interleaved blocks, then throughput at concurrency 32 one way after the other. `ways[0]` is the
 * direct way the others' added latency is measured against.
 */
export async function runProxyBench(ways: readonly Way[]): Promise<WayFigures[]> {
  const latency = await measureLatency(ways);
  const throughput: Awaited<ReturnType<typeof measureThroughput>>[] = [];
  for (const way of ways) throughput.push(await measureThroughput(way));
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
 * (A B C, C B A, A B C, ... — ABBA for two ways), so that whatever else the machine does lands on
 * every way alike and no way always follows the same one.
 */
async function measureLatency(ways: readonly Way[]) {
  const pools = ways.map(
    (w) => new Pool(w.origin, { connections: 1, headersTimeout: PROXY_BENCH.requestTimeoutMs, bodyTimeout: PROXY_BENCH.requestTimeoutMs }),
  );
  const runs = ways.map((w) => ({ samples: [] as number[], cpu: createCpuMeter(w.cpuPids) }));
  try {
    for (const [i, way] of ways.entries()) for (let n = 0; n < PROXY_BENCH.warmupRequests; n++) await call(pools[i]!, way);
    const forward = ways.map((_, i) => i);
    const backward = [...forward].reverse();
    for (let round = 0; round < PROXY_BENCH.requests / PROXY_BENCH.blockRequests; round++) {
      for (const i of round % 2 === 0 ? forward : backward) {
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

/** Concurrency 32 for 3 s: 32 loops, each one request at a time, on a pool of 32 keep-alive connections. */
async function measureThroughput(way: Way) {
  const pool = new Pool(way.origin, {
    connections: PROXY_BENCH.concurrency,
    headersTimeout: PROXY_BENCH.requestTimeoutMs,
    bodyTimeout: PROXY_BENCH.requestTimeoutMs,
  });
  const cpu = createCpuMeter(way.cpuPids);
  let requests = 0;
  try {
    const seconds = await cpu.measure(async () => {
      const started = performance.now();
      const deadline = started + PROXY_BENCH.throughputSeconds * 1000;
      const loop = async () => {
        while (performance.now() < deadline) {
          await call(pool, way);
          requests++;
        }
      };
      await Promise.all(Array.from({ length: PROXY_BENCH.concurrency }, loop));
      return (performance.now() - started) / 1000;
    });
    return { result: { requests, seconds, requestsPerSecond: requests / seconds }, cpuSeconds: cpu.seconds() };
  } finally {
    await pool.close();
  }
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
