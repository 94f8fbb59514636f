import { startReconcileLoop, type Pod, type ReconcileLoop, type StateStore, type LeaderStamp } from '@tide/core';
import { assignPending } from './core/assign.js';
import { defaultPlugins } from './core/default-plugins.js';
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
  return startReconcileLoop(store, {
    name: 'scheduler',
    ...(options.onError ? { onError: options.onError } : {}),
    ...(options.resyncMs === undefined ? {} : { resyncMs: options.resyncMs }),
    ...(options.leader ? { leader: options.leader } : {}),
    reconcile(state) {
      const { events, newlyUnschedulable } = schedulingEvents(timed(() => assignPending(state, plugins)));
      for (const { pod, reasons } of newlyUnschedulable) options.onUnschedulable?.(pod, reasons);
      return events;
    },
  });
}
