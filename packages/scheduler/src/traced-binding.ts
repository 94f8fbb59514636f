import { startCausedSpan, type ClusterState, type EventInput, type Pod } from '@tide/core';
import { assignPending, type Binding } from './core/assign.js';
import type { Plugins } from './core/framework.js';
import { schedulingEvents } from './core/scheduling-events.js';
import { timedDecisions } from './scheduler-metrics.js';

/** A binding as a span in the trace of the pod's creation; its PodBound carries the trace on to the node. */
export function tracedBinding(event: EventInput, { pod, node, scores }: Binding): EventInput {
  const attributes: Record<string, string | number> = { 'tide.namespace': pod.metadata.namespace, 'tide.pod': pod.metadata.name, 'tide.node': node };
  for (const [plugin, score] of Object.entries(scores)) attributes[`tide.scheduler.score.${plugin}`] = score;
  const { span, traceparent } = startCausedSpan('tide-scheduler', `schedule ${pod.metadata.namespace}/${pod.metadata.name}`, pod.metadata.traceparent, {
    attributes,
  });
  span.end();
  return traceparent ? { ...event, traceparent } : event;
}

/** Made at first use: the meter provider is set when the process starts, after this module loads. */
let timed: ReturnType<typeof timedDecisions> | undefined;

/**
 * The PodBound events of the pods `wanted` picks among those a pass would place on `state` (each
 * conditional on its pod's version, as the scheduler's own): how a leader binds, ahead of the log,
 * the pods it creates in the same batch. Pods placed nowhere are left to the scheduler's pass.
 */
export function bindingEventsFor(state: Pick<ClusterState, 'pods' | 'nodes'>, plugins: Plugins, wanted: (pod: Pod) => boolean): EventInput[] {
  const bindings = (timed ??= timedDecisions())(() => assignPending(state, plugins)).bindings.filter((binding) => wanted(binding.pod));
  const { events } = schedulingEvents({ bindings, unschedulable: [] });
  return events.map((event, i) => tracedBinding(event, bindings[i]!));
}
