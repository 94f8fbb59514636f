import {
  decodeMetricsReport,
  followTopic,
  type CpuReport,
  keyOf,
  METRICS_TOPIC,
  type ClusterState,
  type LoadReport,
  type LeaderStamp,
  type StateStore,
  type TideFunction,
  type TopicReader,
} from '@tide/core';
import { addSample, emptyWindow, type MetricWindow } from './core/metric-window.js';
import { windowKeepMs, withDefaults, type AutoscalerSpec } from './core/autoscaler-spec.js';
import type { ScalerState } from './core/scaler-state.js';
import { takeOverState } from './core/take-over.js';
import { decide } from './core/decide.js';

/** The slice of the EventLog the autoscaler reads the metrics topic through. */
export type MetricsSource = TopicReader;

export interface AutoscalerOptions {
  store: StateStore;
  metrics: MetricsSource;
  /** A decision for every function this often (Knative: 2 s). */
  tickMs?: number;
  /** Reports read back at start, to refill the windows after a restart. */
  replayReports?: number;
  now?: () => number;
  onError?: (error: Error) => void;
  /** Decide only while this returns a leadership (one autoscaler acts); its epoch is stamped on ScaleSet. */
  leader?: LeaderStamp;
}

export interface Autoscaler {
  stop(): Promise<void>;
}

interface Tracked {
  window: MetricWindow;
  state?: ScalerState;
  deciding: boolean;
}

/** The pure decider's spec for a function: its scale settings plus the defaults of design §6. */
export function autoscalerSpecOf(fn: TideFunction): AutoscalerSpec {
  const { min, max, target, metric, scaleToZeroAfterSeconds, stableWindowSeconds } = fn.spec.scale;
  return withDefaults({
    min,
    max,
    target,
    metric,
    scaleToZeroAfterMs: scaleToZeroAfterSeconds * 1000,
    stableWindowMs: stableWindowSeconds * 1000,
    // Knative's panic window is 10% of the stable window: 60 s → 6 s.
    panicWindowMs: stableWindowSeconds * 100,
    cpuPerPodMilli: fn.spec.resources.cpuMilli,
  });
}

function readyPodsOf(state: ClusterState, namespace: string, name: string): number {
  let ready = 0;
  for (const pod of state.pods.values()) if (pod.status.phase === 'Ready' && pod.spec.function === name && pod.metadata.namespace === namespace) ready++;
  return ready;
}

/**
 * Follows the metrics topic into one window per function and decides every tick (and at once when
 * requests wait for a pod); a decision that changes the replicas becomes a ScaleSet
 * event, judged by the fold like any other write.
 */
export async function startAutoscaler(options: AutoscalerOptions): Promise<Autoscaler> {
  const { store, metrics } = options;
  const now = options.now ?? Date.now;
  const tracked = new Map<string, Tracked>();
  const abort = new AbortController();
  const report = (error: Error) => options.onError?.(error);

  const trackedFor = (key: string): Tracked => {
    let t = tracked.get(key);
    if (!t) tracked.set(key, (t = { window: emptyWindow, deciding: false }));
    return t;
  };

  const decideFor = async (key: string) => {
    const fn = store.state().functions.get(key);
    if (!fn) {
      tracked.delete(key);
      return;
    }
    const t = trackedFor(key);
    if (t.deciding) return;
    const leader = options.leader?.();
    if (options.leader && !leader) return;
    t.deciding = true;
    try {
      const spec = autoscalerSpecOf(fn);
      const current = fn.status.desiredReplicas;
      const readyPods = readyPodsOf(store.state(), fn.metadata.namespace!, fn.metadata.name);
      const previous = t.state ?? takeOverState({ replicas: current, readyPods, recentScales: fn.status.recentScales, createdAt: fn.metadata.creationTimestamp });
      const decision = decide(spec, t.window, { ...previous, replicas: current, readyPods }, now());
      t.state = decision.state;
      if (decision.replicas === current) return;
      const [result] = await store.append([
        {
          type: 'ScaleSet',
          data: { namespace: fn.metadata.namespace!, name: fn.metadata.name, from: current, to: decision.replicas, reason: decision.reason, inputs: { ...decision.inputs } },
          ...(leader ? { leader } : {}),
        },
      ]);
      // Lost to a concurrent change (an apply, another autoscaler): the next tick decides again.
      if (!result!.verdict.accepted) t.state = undefined;
    } catch (error) {
      report(new Error(`autoscaler: deciding for ${key} failed: ${(error as Error).message}`, { cause: error }));
    } finally {
      t.deciding = false;
    }
  };

  const absorb = (load: LoadReport, caughtUp: boolean) => {
    for (const sample of load.samples) {
      const key = keyOf(sample.namespace, sample.name);
      const fn = store.state().functions.get(key);
      if (!fn) continue;
      const t = trackedFor(key);
      // A report covers intervalMs; its share of its second keeps partial reports from double counting.
      // What is in flight at the end of it (at least what waits for a pod) is a floor under the panic
      // window, so a load step counts before it is averaged; the window keeps it as of `at`.
      const share = Math.min(1, load.intervalMs / 1000);
      const waiting = Math.max(sample.waiting, sample.inFlight ?? 0);
      t.window = addSample(t.window, { at: load.at, concurrency: sample.concurrency * share, requests: sample.requests, waiting, source: load.source }, windowKeepMs(autoscalerSpecOf(fn)));
      // Every new report is decided on at once (deciding is cheap and pure): a load step is answered
      // within a report interval, not at the next 2 s tick, which remains for functions gone quiet.
      // Reports read back at start only refill the window: they are history, and were decided on.
      if (caughtUp && (sample.waiting > 0 || sample.requests > 0 || sample.concurrency > 0)) void decideFor(key);
    }
  };

  const absorbCpu = (cpu: CpuReport) => {
    for (const sample of cpu.samples) {
      const key = keyOf(sample.namespace, sample.name);
      const fn = store.state().functions.get(key);
      if (!fn) continue;
      const t = trackedFor(key);
      t.window = addSample(t.window, { at: cpu.at, concurrency: 0, requests: 0, cpuMilli: sample.cpuMilli }, windowKeepMs(autoscalerSpecOf(fn)));
    }
  };

  const end = await metrics.endOffset(METRICS_TOPIC);
  const from = Math.max(0, end - (options.replayReports ?? 5_000));
  const following = followTopic(metrics, METRICS_TOPIC, {
    name: 'autoscaler',
    from,
    signal: abort.signal,
    onRecord(record) {
      const report = decodeMetricsReport(record.value);
      if (report?.kind === 'gateway-load') absorb(report, record.offset >= end);
      else if (report?.kind === 'pod-cpu') absorbCpu(report);
    },
    onError: report,
  });
  const timer = setInterval(() => {
    for (const key of store.state().functions.keys()) void decideFor(key);
  }, options.tickMs ?? 2000);
  timer.unref();

  return {
    async stop() {
      clearInterval(timer);
      abort.abort();
      await following;
      while ([...tracked.values()].some((t) => t.deciding)) await new Promise((r) => setTimeout(r, 5));
    },
  };
}
