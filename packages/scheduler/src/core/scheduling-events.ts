import type { EventInput } from '@tide/core';
import type { Assignment, UnschedulableVerdict } from './assign.js';

export interface SchedulingEvents {
  events: EventInput[];
  /** Verdicts that are news: the pod's status does not already hold these reasons. */
  newlyUnschedulable: UnschedulableVerdict[];
}

/**
 * The events that record a pass: a PodBound per binding and a PodUnschedulable only where the
 * reasons changed, so a pod that stays unschedulable does not grow the log on every pass. Each is
 * conditional on the pod's version, so a pod changed meanwhile is judged again on fresh state.
 */
export function schedulingEvents(assignment: Assignment): SchedulingEvents {
  const events: EventInput[] = assignment.bindings.map(({ pod, node, scores }) => ({
    type: 'PodBound',
    data: { namespace: pod.metadata.namespace, name: pod.metadata.name, node, scores },
    expect: Number(pod.metadata.resourceVersion),
  }));
  const newlyUnschedulable = assignment.unschedulable.filter(({ pod, reasons }) => !sameReasons(pod.status.unschedulable, reasons));
  for (const { pod, reasons } of newlyUnschedulable) {
    events.push({
      type: 'PodUnschedulable',
      data: { namespace: pod.metadata.namespace, name: pod.metadata.name, reasons },
      expect: Number(pod.metadata.resourceVersion),
    });
  }
  return { events, newlyUnschedulable };
}

function sameReasons(held: readonly string[] | undefined, found: readonly string[]): boolean {
  return held !== undefined && held.length === found.length && held.every((r, i) => r === found[i]);
}
