import { hostname } from 'node:os';
import {
  decodeMetricsReport,
  followTopic,
  keyOf,
  startCausedSpan,
  METRICS_TOPIC,
  type BatchGate,
  type ClusterState,
  type EventInput,
  type LeaderStamp,
  type StateStore,
  type TideFunction,
  type TopicReader,
} from '@tide/core';
import { withDefaults, type AutoscalerSpec } from './core/autoscaler-spec.js';
import { changedNothing, encodeDecisionRecord, type DecisionRecord } from './core/decision-record.js';
import { absorb, newFunctionScaler, stateFor, step, type FunctionScaler } from './core/function-scaler.js';
import { decisionIn, samplesOf } from './core/history.js';
import { takeOverState } from './core/take-over.js';

/** The metrics topic as the autoscaler uses it: it reads the reports and records its decisions. */
export type MetricsSource = TopicReader & {
  append(topic: string, records: readonly { value: Uint8Array; key?: string }[]): Promise<number[]>;
};

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
  /** Names this autoscaler in its decision records (default: host and pid). */
  source?: string;
  /**
   * The events that follow a wake from zero (0 → n): the pods it creates and their bindings, as this
   * process's revision controller and scheduler would append them next. Appended in one batch with
   * the ScaleSet (one append, one fold hop instead of three), each still judged by the fold on its
   * own; what it does not cover is left to those loops. Absent, a ScaleSet goes alone.
   */
  wakeFromZero?: (state: ClusterState, scaleSet: EventInput) => EventInput[];
  /** Holds this process's reconcile loops while such a batch is judged (see BatchGate). */
  gate?: Pick<BatchGate, 'hold'>;
  /** Runs `tick` every `ms` until the returned function is called (default: a timer; tests tick by hand). */
  every?: (ms: number, tick: () => void) => () => void;
}

function everyInterval(ms: number, tick: () => void): () => void {
  const timer = setInterval(tick, ms);
  timer.unref();
  return () => clearInterval(timer);
}

export interface Autoscaler {
  stop(): Promise<void>;
}

interface Tracked {
  scaler: FunctionScaler;
  /** The first metrics offset the window may hold: where this decider started reading for the function. */
  windowFrom: number;
  /** The spec of the last decision record, to record it again only when it changes. */
  recordedSpec?: string;
  /** The leadership epoch of the last decision: leading again after another leader means taking over afresh. */
  epoch?: number;
  deciding: boolean;
  /** The trace of a request a gateway holds for want of a pod (FunctionLoad.wake), until a decision scales up for it. */
  wake?: string;
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

/**
 * Ready pods by function (`namespace/name`), counted once per pods map: a tick decides for every
 * function, and counting the pods for each one made a tick cost functions × pods. The fold's maps
 * are persistent, so the same map object means the same pods.
 */
const readyCounts = new WeakMap<ClusterState['pods'], Map<string, number>>();
function readyPodsOf(state: ClusterState, namespace: string, name: string): number {
  let counts = readyCounts.get(state.pods);
  if (counts === undefined) {
    counts = new Map();
    for (const pod of state.pods.values()) {
      if (pod.status.phase !== 'Ready') continue;
      const key = keyOf(pod.metadata.namespace, pod.spec.function);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    readyCounts.set(state.pods, counts);
  }
  return counts.get(keyOf(namespace, name)) ?? 0;
}

/**
 * Follows the metrics topic into one window per function and decides every tick (and at once when
 * a report shows load); a decision that changes the replicas becomes a ScaleSet event, judged by
 * the fold like any other write. Each decision that changed anything is recorded on the metrics
 * topic (DecisionRecord), so `replayRecorded` makes it again from the same history.
 */
export async function startAutoscaler(options: AutoscalerOptions): Promise<Autoscaler> {
  const { store, metrics } = options;
  const now = options.now ?? Date.now;
  const source = options.source ?? `autoscaler-${hostname()}-${process.pid}`;
  const tracked = new Map<string, Tracked>();
  const abort = new AbortController();
  const report = (error: Error) => options.onError?.(error);
  let recording: Promise<unknown> = Promise.resolve();

  const end = await metrics.endOffset(METRICS_TOPIC);
  const from = Math.max(0, end - (options.replayReports ?? 5_000));
  /** The newest metrics record handled: every window holds what it held up to here. */
  let lastOffset = from - 1;
  // Reports read back at start only refill the windows: they are history, and were decided on.
  let caughtUp = lastOffset >= end - 1;
  /** The newest report time read: a decision on a report is made as of then, however late it is read. */
  let streamAt = -Infinity;

  const trackedFor = (key: string, windowFrom: number): Tracked => {
    let t = tracked.get(key);
    if (!t) tracked.set(key, (t = { scaler: newFunctionScaler, windowFrom, deciding: false }));
    return t;
  };

  /** Appends what a decision was made from, in the order decisions are made. */
  const record = (fn: TideFunction, decided: Omit<DecisionRecord, 'kind' | 'source' | 'namespace' | 'name' | 'afterOffset'>) => {
    const namespace = fn.metadata.namespace!;
    const name = fn.metadata.name;
    const value = encodeDecisionRecord({ source, namespace, name, afterOffset: lastOffset, ...decided });
    recording = recording
      .then(() => metrics.append(METRICS_TOPIC, [{ value, key: source }]))
      .catch((error: Error) => report(new Error(`autoscaler: recording a decision for ${namespace}/${name} failed: ${error.message}`, { cause: error })));
  };

  const decideFor = async (key: string, at: number) => {
    const fn = store.state().functions.get(key);
    if (!fn) {
      tracked.delete(key);
      return;
    }
    const t = trackedFor(key, lastOffset + 1);
    if (t.deciding || !caughtUp) return;
    const leader = options.leader?.();
    if (options.leader && !leader) return;
    t.deciding = true;
    try {
      if (t.epoch !== leader?.epoch) t.scaler = { window: t.scaler.window };
      t.epoch = leader?.epoch;
      const spec = autoscalerSpecOf(fn);
      const replicas = fn.status.desiredReplicas;
      const readyPods = readyPodsOf(store.state(), fn.metadata.namespace!, fn.metadata.name);
      const takingOver = t.scaler.state === undefined;
      const given = stateFor(t.scaler, { at, replicas, readyPods }, () =>
        takeOverState({ replicas, readyPods, recentScales: fn.status.recentScales, createdAt: fn.metadata.creationTimestamp }),
      );
      const { scaler, decision } = step(t.scaler, spec, given, at);
      t.scaler = scaler;
      const specJson = JSON.stringify(spec);
      const specChanged = specJson !== t.recordedSpec;
      if (takingOver || specChanged || !changedNothing(given, decision)) {
        record(fn, { at, given, ...(takingOver || specChanged ? { spec } : {}), ...(takingOver ? { windowFrom: t.windowFrom } : {}) });
        t.recordedSpec = specJson;
      }
      if (!decision.changed) return;
      // Scaling up while a request waits: the decision is a step of that request's trace.
      const cause = decision.replicas > replicas ? t.wake : undefined;
      if (cause !== undefined) t.wake = undefined;
      const { span, traceparent } = startCausedSpan('tide-autoscaler', `scale ${key}`, cause, {
        attributes: {
          'tide.namespace': fn.metadata.namespace!,
          'tide.function': fn.metadata.name,
          'tide.replicas.from': replicas,
          'tide.replicas.to': decision.replicas,
          'tide.scale.reason': decision.reason,
        },
      });
      span.end();
      const scaleSet: EventInput = {
        ...(traceparent ? { traceparent } : {}),
        type: 'ScaleSet',
        data: {
          namespace: fn.metadata.namespace!,
          name: fn.metadata.name,
          from: replicas,
          to: decision.replicas,
          reason: decision.reason,
          inputs: { ...decision.inputs },
        },
        ...(leader ? { leader } : {}),
      };
      const { gate, wakeFromZero } = options;
      const followOn = replicas === 0 && gate && wakeFromZero ? wakeFromZero(store.state(), scaleSet) : [];
      const [result] =
        followOn.length > 0 && gate
          ? await gate.hold(() => store.append([scaleSet, ...followOn.map((event) => (leader ? { ...event, leader } : event))]))
          : await store.append([scaleSet]);
      // Lost to a concurrent change (an apply, another autoscaler): the next tick takes over afresh.
      if (!result!.verdict.accepted) t.scaler = { window: t.scaler.window };
    } catch (error) {
      report(new Error(`autoscaler: deciding for ${key} failed: ${(error as Error).message}`, { cause: error }));
    } finally {
      t.deciding = false;
    }
  };

  const following = followTopic(metrics, METRICS_TOPIC, {
    name: 'autoscaler',
    from,
    signal: abort.signal,
    onRecord(metricsRecord) {
      lastOffset = metricsRecord.offset;
      const readBack = !caughtUp;
      caughtUp ||= lastOffset >= end - 1;
      if (decisionIn(metricsRecord.value)) return;
      const metricsReport = decodeMetricsReport(metricsRecord.value);
      if (metricsReport) streamAt = Math.max(streamAt, metricsReport.at);
      for (const { namespace, name, sample } of metricsReport ? samplesOf(metricsReport) : []) {
        const key = keyOf(namespace, name);
        const fn = store.state().functions.get(key);
        if (!fn) continue;
        const t = trackedFor(key, metricsRecord.offset);
        t.scaler = absorb(t.scaler, sample, autoscalerSpecOf(fn));
        const wake = metricsReport?.kind === 'gateway-load' ? metricsReport.samples.find((s) => s.namespace === namespace && s.name === name)?.wake : undefined;
        if (wake !== undefined && !readBack) t.wake = wake;
        // Every new report with load is decided on at once (deciding is cheap and pure): a load step
        // is answered within a report interval, not at the next 2 s tick, which remains for
        // functions gone quiet. As of the report's time: on a busy machine this loop may read a
        // report seconds late, and by the clock its load would look over when it is not.
        if (!readBack && ((sample.waiting ?? 0) > 0 || sample.requests > 0 || sample.concurrency > 0 || (sample.lag?.lag ?? 0) > 0))
          void decideFor(key, streamAt);
      }
    },
    onRewound() {
      // A log that lost its history: offsets start again, and so do the windows.
      tracked.clear();
      lastOffset = -1;
      caughtUp = true;
      streamAt = -Infinity;
    },
    onError: report,
  });
  // A tick decides as of now, so only once every report appended before now has been read:
  // behind the topic, quiet would be concluded from reports not read yet.
  const tick = async () => {
    try {
      if (lastOffset < (await metrics.endOffset(METRICS_TOPIC)) - 1) return;
      const at = Math.max(now(), streamAt);
      for (const key of store.state().functions.keys()) void decideFor(key, at);
    } catch (error) {
      report(new Error(`autoscaler: tick failed: ${(error as Error).message}`, { cause: error }));
    }
  };
  const stopTicks = (options.every ?? everyInterval)(options.tickMs ?? 2000, () => void tick());

  return {
    async stop() {
      stopTicks();
      abort.abort();
      await following;
      while ([...tracked.values()].some((t) => t.deciding)) await new Promise((r) => setTimeout(r, 5));
      await recording;
    },
  };
}
