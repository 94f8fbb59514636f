import { startReconcileLoop, type BatchGate, type Pod, type ReconcileLoop, type StateStore, type LeaderStamp } from '@tide/core';
import { assignPending, nodeTableOf } from './core/assign.js';
import { defaultPlugins } from './core/default-plugins.js';
import { pendingPods } from './core/pending-pods.js';
import type { Plugins } from './core/framework.js';
import { schedulingEvents } from './core/scheduling-events.js';
import { timedDecisions } from './scheduler-metrics.js';
import { tracedBinding } from './traced-binding.js';

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
  /** Passes wait while this process's own batch of events is being judged (see BatchGate). */
  gate?: Pick<BatchGate, 'settled'>;
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
    ...(options.gate ? { gate: options.gate } : {}),
    reconcile(state) {
      // Built when the nodes change, so the first pods after that do not wait for 5 000 nodes to be sorted and laid out.
      nodeTableOf(state.nodes);
      if (!pending.any(state)) return [];
      const assignment = timed(() => assignPending(state, plugins));
      const { events, newlyUnschedulable } = schedulingEvents(assignment);
      for (const { pod, reasons } of newlyUnschedulable) options.onUnschedulable?.(pod, reasons);
      // schedulingEvents puts a binding's PodBound at the binding's index.
      return events.map((event, i) => (i < assignment.bindings.length ? tracedBinding(event, assignment.bindings[i]!) : event));
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
