import type { LoggedEvent } from '@tide/core';

/** An event of the log with what the fold said of it: `undefined` when that verdict is no longer kept. */
export interface JudgedEvent {
  event: LoggedEvent;
  accepted: boolean | undefined;
}

/** One link of the chain that led to a pod's state: when, what happened, who did it and why. */
export interface ChainStep {
  offset: number;
  time: string;
  /** Who wrote the event (autoscaler, scheduler, node/local, a user), where known. */
  by?: string;
  what: string;
  why: string;
}

/**
 * Why a pod is as it is: the decision that asked for it (`cause`, the event its PodCreated names),
 * then its own accepted events from its latest creation on, oldest first. Events the fold rejected
 * (a second scheduler's late binding, a stale node's report) are not part of its story and are left
 * out; one whose verdict is no longer kept is taken as it reads. `podEvents` are the events whose
 * subject is the pod, in log order.
 */
export function podChain(podEvents: readonly JudgedEvent[], cause?: JudgedEvent): ChainStep[] {
  const kept = podEvents.filter((e) => e.accepted !== false).map((e) => e.event);
  const createdAt = kept.findLastIndex((e) => e.type === 'PodCreated');
  const own = createdAt < 0 ? kept : kept.slice(createdAt);
  const decision = cause && cause.accepted !== false ? causeStep(cause.event) : undefined;
  return [...(decision ? [decision] : []), ...own.map(podStep)];
}

function stepOf(event: LoggedEvent, what: string, why: string): ChainStep {
  const by = event.actor ?? event.writer;
  return { offset: event.offset, time: event.time, ...(by ? { by } : {}), what, why };
}

/** The function's change that asked for the pod: a scale decision, a deploy, a rollback. */
function causeStep(event: LoggedEvent): ChainStep | undefined {
  switch (event.type) {
    case 'ScaleSet':
      return stepOf(event, `scaled ${event.data.from} → ${event.data.to}`, event.data.reason);
    case 'FunctionApplied':
      return stepOf(event, 'function applied', 'a deploy or change made the function want this pod (a new revision, or its minimum)');
    case 'RolloutUndone':
      return stepOf(event, 'rollout undone', `traffic back to ${event.data.revision ?? 'the previous revision'}`);
    default:
      return stepOf(event, event.type, 'the function changed');
  }
}

function podStep(event: LoggedEvent): ChainStep {
  switch (event.type) {
    case 'PodCreated':
      return stepOf(
        event,
        `created (${event.data.revision})`,
        event.data.causeOffset === undefined
          ? 'the revision controller keeps the desired replicas'
          : `to fill the replicas of the function's change at offset ${event.data.causeOffset}`,
      );
    case 'PodUnschedulable':
      return stepOf(event, 'unschedulable', event.data.reasons.join('; '));
    case 'PodBound':
      return stepOf(event, `bound to node ${event.data.node}`, boundWhy(event.data.scores));
    case 'PodStatusReported':
      return stepOf(event, reportedWhat(event), reportedWhy(event));
    case 'PodDeletionRequested':
      return stepOf(event, 'deletion requested', event.data.reason);
    case 'PodRemoved':
      return stepOf(event, 'removed', event.data.node ? `stopped by node ${event.data.node}` : 'gone');
    default:
      return stepOf(event, event.type, '');
  }
}

function boundWhy(scores: Record<string, number> | undefined): string {
  if (!scores || Object.keys(scores).length === 0) return 'the node that fitted (no score recorded)';
  const total = Object.values(scores).reduce((sum, score) => sum + score, 0);
  const each = Object.entries(scores)
    .map(([plugin, score]) => `${plugin} ${Math.round(score)}`)
    .join(', ');
  return `highest score ${Math.round(total)} (${each})`;
}

type Reported = Extract<LoggedEvent, { type: 'PodStatusReported' }>;

function reportedWhat(event: Reported): string {
  const d = event.data;
  if (d.phase === 'Starting') return d.restartCount > 0 ? `starting (restart ${d.restartCount})` : 'starting';
  if (d.phase === 'Ready') return 'ready';
  return `exited${d.exitCode === undefined || d.exitCode === null ? '' : ` (code ${d.exitCode})`}`;
}

function reportedWhy(event: Reported): string {
  const d = event.data;
  const how = d.coldStart === 'pool' ? 'claimed a warm-pool process' : d.coldStart === 'spawn' ? 'spawned a process' : undefined;
  const parts = [
    ...(how ? [how] : []),
    ...(d.phase === 'Ready' && d.startMs !== undefined ? [`${d.startMs} ms after its start`] : []),
    ...(d.reason ? [d.reason] : []),
  ];
  return parts.length > 0 ? `${parts.join('; ')} (node ${d.node})` : `reported by node ${d.node}`;
}
