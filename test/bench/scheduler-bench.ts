import { FunctionManifest, openStateStore, type EventInput } from '@tide/core';
import { openEmbeddedLog } from '@tide/log';
import { benchPlacements, startScheduler } from '@tide/scheduler';
import { summarize, type LatencySummary } from './stats.js';
import type { TempDirs } from './temp-dirs.js';

/** Through the log twice: as fast as PodCreated batches can be appended (saturation), then paced at ~1 000 pods/s offered. */
export const SCHEDULER_BENCH = { nodes: 5000, purePods: 2000, logPods: 1000, batch: 50, paced: { batch: 10, everyMs: 10 } };

export interface SchedulerBenchResult {
  nodes: number;
  pure: { pods: number; placementsPerSecond: number };
  throughLog: ThroughLog;
  /** The same, PodCreated offered in small batches at a steady pace: decision latency below saturation. */
  paced: ThroughLog;
}

export interface ThroughLog {
  pods: number;
  placementsPerSecond: number;
  decisionMs: LatencySummary;
}

/**
 * Placements per second of the pure scheduler over 5 000 simulated nodes, and end to end through
 * the embedded log: PodCreated appended in controller-sized batches, the scheduler loop binding
 * them with conditional PodBound events; decision time = PodCreated folded → its PodBound folded.
 */
export async function runSchedulerBench(temp: TempDirs): Promise<SchedulerBenchResult> {
  const { nodes, purePods, logPods, batch } = SCHEDULER_BENCH;
  const pure = benchPlacements({ nodes, pods: purePods });
  const throughLog = await placeThroughLog(temp, { nodes, pods: logPods, batch, everyMs: 0 });
  const paced = await placeThroughLog(temp, { nodes, pods: logPods, batch: SCHEDULER_BENCH.paced.batch, everyMs: SCHEDULER_BENCH.paced.everyMs });
  return { nodes, pure: { pods: pure.pods, placementsPerSecond: pure.placementsPerSecond }, throughLog, paced };
}

async function placeThroughLog(temp: TempDirs, run: { nodes: number; pods: number; batch: number; everyMs: number }): Promise<ThroughLog> {
  const log = await openEmbeddedLog(await temp.make('tide-bench-sched-'));
  const store = await openStateStore({ log });
  const setup: EventInput[] = [{ type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } }];
  for (let i = 0; i < run.nodes; i++) {
    setup.push({
      type: 'NodeRegistered',
      data: { name: `node-${i}`, bootId: 'bench', address: '127.0.0.1', capacity: { memoryMb: 65_536, cpuMilli: 64_000, pods: 110 } },
    });
  }
  for (let f = 0; f < 10; f++) {
    const manifest = FunctionManifest.parse({
      apiVersion: 'tide.dev/v1',
      kind: 'Function',
      metadata: { name: `fn-${f}` },
      spec: { source: { artifact: `sha256:${'a'.repeat(64)}` } },
    });
    setup.push({ type: 'FunctionApplied', data: { namespace: 'default', manifest } });
  }
  for (let i = 0; i < setup.length; i += 1000) await store.append(setup.slice(i, i + 1000));

  const createdAt = new Map<string, number>();
  const decisions: number[] = [];
  let bound = 0;
  let allBound: () => void = () => {};
  const done = new Promise<void>((resolve) => (allBound = resolve));
  store.subscribe((event, verdict) => {
    if (!event || !verdict.accepted) return;
    if (event.type === 'PodCreated') createdAt.set(event.data.name, performance.now());
    if (event.type === 'PodBound') {
      decisions.push(performance.now() - (createdAt.get(event.data.name) ?? performance.now()));
      if (++bound === run.pods) allBound();
    }
  });
  const scheduler = startScheduler(store, { resyncMs: 60_000 });
  const started = performance.now();
  for (let i = 0; i < run.pods; i += run.batch) {
    const pods: EventInput[] = [];
    for (let j = i; j < Math.min(run.pods, i + run.batch); j++) {
      pods.push({ type: 'PodCreated', data: { namespace: 'default', name: `fn-${j % 10}-00001-p${j}`, revision: `fn-${j % 10}-00001` }, expect: null });
    }
    await store.append(pods);
    if (run.everyMs > 0) await new Promise((resolve) => setTimeout(resolve, run.everyMs));
  }
  const timeout = setTimeout(() => allBound(), 120_000);
  await done;
  clearTimeout(timeout);
  const seconds = (performance.now() - started) / 1000;
  await scheduler.stop();
  await store.close();
  await log.close();
  return { pods: bound, placementsPerSecond: bound / seconds, decisionMs: summarize(decisions) };
}
