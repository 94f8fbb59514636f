import type { LoggedEvent } from '../events.js';
import { parseWriter } from '../auth/principal.js';
import { keyOf } from '../resources/meta.js';
import { accepted, rejected, type ClusterState, type Verdict } from '../state.js';

/**
 * What each writer may append to the state stream (fold rules version 4 and later), judged on
 * the record's writer (the `tide-writer` header the control plane stamps on what comes through
 * its log API). A control plane writes anything; a node only what Kubernetes' NodeRestriction
 * lets a kubelet say: its own registration and the status and removal of pods bound to it; a
 * triggers process only its cron bookkeeping and its own leadership; a gateway, a person or a
 * bootstrap token nothing at all (a person's changes come through the API, written by a control plane).
 */
export function writerMay(state: ClusterState, event: LoggedEvent): Verdict {
  const writer = parseWriter(event.writer);
  if (!writer) return rejected('forbidden', `writer "${String(event.writer).slice(0, 80)}" is not one Tide knows`);
  if (writer.kind === 'control-plane') return accepted;
  const refuse = (why: string) => rejected('forbidden', `${writer.kind} ${writer.name} may not append ${event.type}: ${why}`);
  if (writer.kind === 'node') {
    if (event.leader) return refuse('only control planes and the triggers process lead');
    switch (event.type) {
      case 'NodeRegistered':
        return event.data.name === writer.name ? accepted : refuse(`it registers node ${writer.name} only`);
      case 'PodStatusReported':
      case 'PodRemoved': {
        const pod = state.pods.get(keyOf(event.data.namespace, event.data.name));
        if (event.data.node !== writer.name || pod?.spec.node !== writer.name)
          return refuse(`pod ${event.data.namespace}/${event.data.name} is not bound to it`);
        return accepted;
      }
      default:
        return refuse('a node reports its registration and its own pods only');
    }
  }
  if (writer.kind === 'triggers') {
    if (event.type === 'LeaderElected') return event.data.role === 'triggers' ? accepted : refuse('it may lead role triggers only');
    if (event.leader && event.leader.role !== 'triggers') return refuse('it may lead role triggers only');
    if (event.type === 'CronFired' || event.type === 'CronSkipped') return accepted;
    return refuse('the triggers process records cron ticks only');
  }
  return refuse('it writes nothing on the state stream');
}
