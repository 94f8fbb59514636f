import { assertNever, subjectOf, type EventOf, type LoggedEvent, type TideEvent } from '../events.js';
import { accepted, COLLECTIONS, rejected, type ClusterState, type Collection, type Verdict } from '../state.js';
import { hasId, rememberId } from './id-window.js';
import type { FoldContext, HandlerResult } from './context.js';
import { namespaceApplied, namespaceDeleted } from './namespaces.js';
import { functionApplied, functionDeleted, rolloutUndone, scaleSet } from './functions.js';
import { podBound, podCreated, podDeletionRequested, podRemoved, podStatusReported, podUnschedulable } from './pods.js';
import { nodeCordoned, nodeDeleted, nodeReadinessChanged, nodeRegistered } from './nodes.js';

export interface FoldResult {
  state: ClusterState;
  verdict: Verdict;
}

/**
 * The fold: every process that needs cluster state applies the state stream with this function,
 * so every reader reaches the same verdict for every event. Pure and total.
 */
export function apply(state: ClusterState, event: LoggedEvent): FoldResult {
  if (event.offset <= state.offset) {
    return { state, verdict: rejected('invalid', `event at offset ${event.offset} was already folded (state is at ${state.offset})`) };
  }
  const advanced = { ...state, offset: event.offset };
  if (hasId(state.recentEventIds, event.id)) {
    return { state: advanced, verdict: rejected('duplicate', `event ${event.id} was already applied`) };
  }
  const remembered = { ...advanced, recentEventIds: rememberId(state.recentEventIds, event.id) };
  const leadership = checkLeader(state, event);
  if (!leadership.accepted) return { state: remembered, verdict: leadership };
  const precondition = checkExpect(state, event);
  if (!precondition.accepted) return { state: remembered, verdict: precondition };
  const result = handle(remembered, event, { offset: event.offset, id: event.id, time: event.time });
  if ('rejected' in result) return { state: remembered, verdict: result.rejected };
  return { state: result.state, verdict: accepted };
}

/** The state a record that is not a valid event leaves: unchanged but for the offset. */
export function skipInvalid(state: ClusterState, offset: number, reason: string): FoldResult {
  return { state: { ...state, offset: Math.max(state.offset, offset) }, verdict: rejected('invalid', reason) };
}

function handle(state: ClusterState, event: TideEvent, ctx: FoldContext): HandlerResult {
  switch (event.type) {
    case 'NamespaceApplied':
      return namespaceApplied(state, event, ctx);
    case 'NamespaceDeleted':
      return namespaceDeleted(state, event);
    case 'FunctionApplied':
      return functionApplied(state, event, ctx);
    case 'FunctionDeleted':
      return functionDeleted(state, event);
    case 'ScaleSet':
      return scaleSet(state, event, ctx);
    case 'RolloutUndone':
      return rolloutUndone(state, event, ctx);
    case 'PodCreated':
      return podCreated(state, event, ctx);
    case 'PodBound':
      return podBound(state, event, ctx);
    case 'PodDeletionRequested':
      return podDeletionRequested(state, event, ctx);
    case 'PodStatusReported':
      return podStatusReported(state, event, ctx);
    case 'PodRemoved':
      return podRemoved(state, event);
    case 'PodUnschedulable':
      return podUnschedulable(state, event, ctx);
    case 'NodeRegistered':
      return nodeRegistered(state, event, ctx);
    case 'NodeCordoned':
      return nodeCordoned(state, event, ctx);
    case 'NodeDeleted':
      return nodeDeleted(state, event);
    case 'NodeReadinessChanged':
      return nodeReadinessChanged(state, event, ctx);
    case 'LeaderElected':
      return leaderElected(state, event, ctx);
    default:
      return assertNever(event);
  }
}

/** A leader's write counts only in its own epoch: anything a deposed leader appends is rejected. */
function checkLeader(state: ClusterState, event: LoggedEvent): Verdict {
  if (!event.leader) return accepted;
  const current = state.leaders[event.leader.role];
  if (current?.epoch === event.leader.epoch) return accepted;
  return rejected('conflict', `stale ${event.leader.role} leader: epoch ${event.leader.epoch}, current ${current?.epoch ?? 'none'}`);
}

/** A new leader for a role: its epoch must be the next one, so two candidates cannot both win. */
function leaderElected(state: ClusterState, event: EventOf<'LeaderElected'>, ctx: FoldContext): HandlerResult {
  const { role, epoch, holder } = event.data;
  const current = state.leaders[role]?.epoch ?? 0;
  if (epoch !== current + 1) return { rejected: rejected('conflict', `${role} epoch ${epoch} is not the next one (current ${current})`) };
  return { state: { ...state, leaders: { ...state.leaders, [role]: { epoch, holder, resourceVersion: String(ctx.offset) } } } };
}

/** The current resourceVersion of an event's subject, or undefined if it does not exist. */
export function versionOf(state: ClusterState, subject: string): number | undefined {
  const slash = subject.indexOf('/');
  const kind = subject.slice(0, slash);
  const key = subject.slice(slash + 1);
  if (kind === 'leaders') {
    const version = state.leaders[key]?.resourceVersion;
    return version === undefined ? undefined : Number(version);
  }
  if (!(COLLECTIONS as readonly string[]).includes(kind)) return undefined;
  const version = state[kind as Collection].get(key)?.metadata.resourceVersion;
  return version === undefined ? undefined : Number(version);
}

function checkExpect(state: ClusterState, event: LoggedEvent): Verdict {
  if (event.expect === undefined) return accepted;
  const subject = subjectOf(event);
  const current = versionOf(state, subject);
  if (event.expect === null) {
    return current === undefined ? accepted : rejected('already-exists', `${subject} already exists (resourceVersion ${current})`);
  }
  if (current === undefined) return rejected('not-found', `${subject} not found (expected resourceVersion ${event.expect})`);
  return current === event.expect
    ? accepted
    : rejected('conflict', `${subject} is at resourceVersion ${current}, not ${event.expect}: it was changed by someone else`);
}
