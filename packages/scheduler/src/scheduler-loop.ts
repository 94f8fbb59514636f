import { startCausedSpan, startReconcileLoop, type EventInput, type Pod, type ReconcileLoop, type StateStore, type LeaderStamp } from '@tide/core';
import type { Binding } from './core/assign.js';
import { assignPending } from './core/assign.js';
import { defaultPlugins } from './core/default-plugins.js';
import { pendingPods } from './core/pending-pods.js';
import type { Plugins } from './core/framework.js';
import { schedulingEvents } from './core/scheduling-events.js';
import { timedDecisions } from './scheduler-metrics.js';

export interface SchedulerOptions {
  /** The filter/score cycle (default `defaultPlugins`; `pluginsFromConfig` builds a tuned one). */
  plugins?: Plugins;
  /** Called when a pod becomes unschedulable or its reasons change (not on every pass). */
  onUnschedulable?: (pod: Pod, reasons: string[]) => void;
  onError?: (error: Error) => void;
  /** How often a pass runs without a state change (the reconcile loop's default when absent). */
  resyncMs?: number;
  /** Bind only while this returns a leadership; its epoch is stamped on every binding. */
  leader?: LeaderStamp;
}

/**
 * Binds Pending pods to nodes. Every state change runs a pass over all Pending pods, so a pod that
 * was unschedulable is bound as soon as a node that fits it registers, is uncordoned or frees room.
 */
export function startScheduler(store: StateStore, options: SchedulerOptions = {}): ReconcileLoop {
  const plugins = options.plugins ?? defaultPlugins;
  const timed = timedDecisions();
  // Follows each folded record, so a pass with no Pending pod ends without reading every pod.
  const pending = pendingPods();
  let before = store.state();
  const unsubscribe = store.subscribe((event, _verdict, after) => {
    pending.observe(before, after, event);
    before = after;
  });
  const loop = startReconcileLoop(store, {
    name: 'scheduler',
    ...(options.onError ? { onError: options.onError } : {}),
    ...(options.resyncMs === undefined ? {} : { resyncMs: options.resyncMs }),
    ...(options.leader ? { leader: options.leader } : {}),
    reconcile(state) {
      if (!pending.any(state)) return [];
      const assignment = timed(() => assignPending(state, plugins));
      const { events, newlyUnschedulable } = schedulingEvents(assignment);
      for (const { pod, reasons } of newlyUnschedulable) options.onUnschedulable?.(pod, reasons);
      // schedulingEvents puts a binding's PodBound at the binding's index.
      return events.map((event, i) => (i < assignment.bindings.length ? traced(event, assignment.bindings[i]!) : event));
    },
  });
  return {
    poke: () => loop.poke(),
    async stop() {
      unsubscribe();
      await loop.stop();
    },
  };
}

/** A binding as a span in the trace of the pod's creation; its PodBound carries the trace on to the node. */
function traced(event: EventInput, { pod, node, scores }: Binding): EventInput {
  const attributes: Record<string, string | number> = { 'tide.namespace': pod.metadata.namespace, 'tide.pod': pod.metadata.name, 'tide.node': node };
  for (const [plugin, score] of Object.entries(scores)) attributes[`tide.scheduler.score.${plugin}`] = score;
  const { span, traceparent } = startCausedSpan('tide-scheduler', `schedule ${pod.metadata.namespace}/${pod.metadata.name}`, pod.metadata.traceparent, {
    attributes,
  });
  span.end();
  return traceparent ? { ...event, traceparent } : event;
}
