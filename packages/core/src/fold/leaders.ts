import type { EventOf } from '../events.js';
import { rejected, type ClusterState } from '../state.js';
import type { FoldContext, HandlerResult } from './context.js';

/** A new leader for a role: its epoch must be the next one, so two candidates cannot both win. */
export function leaderElected(state: ClusterState, event: EventOf<'LeaderElected'>, ctx: FoldContext): HandlerResult {
  const { role, epoch, holder } = event.data;
  const current = state.leaders[role]?.epoch ?? 0;
  if (epoch !== current + 1) return { rejected: rejected('conflict', `${role} epoch ${epoch} is not the next one (current ${current})`) };
  return { state: { ...state, leaders: { ...state.leaders, [role]: { epoch, holder, resourceVersion: String(ctx.offset) } } } };
}
