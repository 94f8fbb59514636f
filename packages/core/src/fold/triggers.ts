import type { EventOf } from '../events.js';
import { rejected, type ClusterState } from '../state.js';
import { API_VERSION, keyOf } from '../resources/meta.js';
import type { Trigger } from '../resources/trigger.js';
import { sameJson, newMeta, type FoldContext, type HandlerResult, changedMeta } from './context.js';

/**
 * Applies a Trigger. The function it names need not exist yet (a Knative trigger may name a
 * subscriber deployed later); the triggers process reports one that does not. A cron trigger
 * keeps its bookkeeping (lastTick above all) across every re-apply; a change of kind starts it over.
 */
export function triggerApplied(state: ClusterState, event: EventOf<'TriggerApplied'>, ctx: FoldContext): HandlerResult {
  const { namespace, manifest } = event.data;
  const name = manifest.metadata.name;
  if (!state.namespaces.has(namespace)) return { rejected: rejected('not-found', `namespace ${namespace} not found`) };
  const key = keyOf(namespace, name);
  const existing = state.triggers.get(key);
  const labels = manifest.metadata.labels ?? {};
  const annotations = manifest.metadata.annotations ?? {};
  const specChanged = !existing || !sameJson(existing.spec, manifest.spec);
  const metadata = existing
    ? changedMeta(
        {
          ...existing.metadata,
          labels,
          annotations,
          generation: existing.metadata.generation + (specChanged ? 1 : 0),
        },
        ctx,
      )
    : { ...newMeta(ctx, name, namespace, labels, annotations), namespace };
  // Ticks at or before lastTick were fired or skipped whatever the schedule now says: forgetting it on
  // a re-apply (a new policy, a new schedule, suspend) would let the fold accept that tick again.
  const wasCron = existing?.spec.cron;
  const kept = wasCron && manifest.spec.cron ? existing.status : { fired: 0, skipped: 0 };
  // Created, resumed, or a kafka trigger turned cron: ticks before now are not made up.
  const becameActive = manifest.spec.cron !== undefined && !manifest.spec.cron.suspend && (!wasCron || wasCron.suspend);
  const status = becameActive ? { ...kept, activeSince: Date.parse(ctx.time) } : kept;
  const trigger: Trigger = { apiVersion: API_VERSION, kind: 'Trigger', metadata, spec: manifest.spec, status };
  return { state: { ...state, triggers: state.triggers.set(key, trigger) } };
}

export function triggerDeleted(state: ClusterState, event: EventOf<'TriggerDeleted'>): HandlerResult {
  const key = keyOf(event.data.namespace, event.data.name);
  if (!state.triggers.has(key)) return { rejected: rejected('not-found', `trigger ${key} not found`) };
  return { state: { ...state, triggers: state.triggers.delete(key) } };
}

/** One firing per tick, ticks in order: a second CronFired for a tick (another process's, or a retry's) is a conflict. */
export function cronFired(state: ClusterState, event: EventOf<'CronFired'>, ctx: FoldContext): HandlerResult {
  const found = cronTrigger(state, event.data.namespace, event.data.name);
  if ('rejected' in found) return found;
  const { key, trigger } = found;
  const { tick } = event.data;
  const last = trigger.status.lastTick;
  if (last !== undefined && tick <= last)
    return {
      rejected: rejected(
        'conflict',
        `trigger ${key} already fired or skipped tick ${new Date(tick).toISOString()} (last tick ${new Date(last).toISOString()})`,
      ),
    };
  const status = { ...trigger.status, lastTick: tick, lastFiredAt: ctx.time, fired: trigger.status.fired + 1 };
  return { state: { ...state, triggers: state.triggers.set(key, withStatus(trigger, status, ctx)) } };
}

export function cronSkipped(state: ClusterState, event: EventOf<'CronSkipped'>, ctx: FoldContext): HandlerResult {
  const found = cronTrigger(state, event.data.namespace, event.data.name);
  if ('rejected' in found) return found;
  const { key, trigger } = found;
  const last = trigger.status.lastTick;
  if (last !== undefined && event.data.lastTick <= last)
    return { rejected: rejected('conflict', `trigger ${key} already passed tick ${new Date(event.data.lastTick).toISOString()}`) };
  const status = { ...trigger.status, lastTick: event.data.lastTick, skipped: trigger.status.skipped + event.data.count };
  return { state: { ...state, triggers: state.triggers.set(key, withStatus(trigger, status, ctx)) } };
}

function cronTrigger(state: ClusterState, namespace: string, name: string): { key: string; trigger: Trigger } | { rejected: ReturnType<typeof rejected> } {
  const key = keyOf(namespace, name);
  const trigger = state.triggers.get(key);
  if (!trigger) return { rejected: rejected('not-found', `trigger ${key} not found`) };
  if (!trigger.spec.cron) return { rejected: rejected('invalid', `trigger ${key} is not a cron trigger`) };
  return { key, trigger };
}

/** Status changes move resourceVersion (watchers see them) but not generation (the spec is the same). */
function withStatus(trigger: Trigger, status: Trigger['status'], ctx: FoldContext): Trigger {
  return { ...trigger, metadata: changedMeta(trigger.metadata, ctx), status };
}
