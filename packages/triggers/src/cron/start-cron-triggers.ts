import { keyOf, subscribeToChanges, type Trigger } from '@tide/core';
import type { Engine, EngineDeps, StartEngine } from '../engine.js';
import { callTick } from './call-tick.js';
import { planTicks, type CronPlan, type CronStep } from './core/plan-ticks.js';
import { cronInstruments } from './telemetry.js';

/** After an append failed (the log unreachable, the fold halted), the trigger is planned again this much later. */
const RETRY_AFTER_ERROR_MS = 1000;

interface TriggerRun {
  trigger: Trigger;
  timer?: unknown;
  /** This process's calls of the trigger still running, by tick. */
  running: Map<number, AbortController>;
  /** A pass is under way; `again` asks it for one more (the state or the clock moved meanwhile). */
  pass?: Promise<void>;
  again: boolean;
}

/**
 * Cron triggers: one timer per trigger on the clock; at a tick, `CronFired` is appended FIRST and
 * the function is called only if the fold accepted it. The fold accepts one CronFired per tick, so
 * a tick fires once whichever process (or life of this one) got there first, and where to go on
 * from (status.lastTick) comes from the log, not from this process's memory. The price: a process
 * killed between the append and the call loses that call — at most once per tick, exactly one
 * CronFired, the promise a Kubernetes CronJob makes ("a job should be idempotent").
 */
export const startCronTriggers: StartEngine = async (deps: EngineDeps): Promise<Engine> => {
  const { store, clock } = deps;
  const metrics = cronInstruments(deps.meter);
  const runs = new Map<string, TriggerRun>();
  const calls = new Set<Promise<void>>();
  const stopping = new AbortController();

  /** Plans one trigger and carries the plan out; loops while something changed during the pass. */
  const kick = (key: string): void => {
    const run = runs.get(key);
    if (!run || stopping.signal.aborted) return;
    run.again = true;
    if (run.pass) return;
    run.pass = (async () => {
      while (run.again && !stopping.signal.aborted && runs.get(key) === run) {
        run.again = false;
        await passOf(key, run).catch((error: Error) => {
          deps.onError(new Error(`cron trigger ${key}: ${error.message}`, { cause: error }));
          arm(key, run, clock.now() + RETRY_AFTER_ERROR_MS);
        });
      }
    })().finally(() => (run.pass = undefined));
  };

  const arm = (key: string, run: TriggerRun, at: number): void => {
    if (run.timer !== undefined) clock.clearTimeout(run.timer);
    if (runs.get(key) !== run || stopping.signal.aborted) return; // deleted or stopped during the pass
    run.timer = clock.setTimeout(
      () => {
        run.timer = undefined;
        kick(key);
      },
      Math.max(0, at - clock.now()),
    );
  };

  const passOf = async (key: string, run: TriggerRun): Promise<void> => {
    if (run.timer !== undefined) clock.clearTimeout(run.timer);
    run.timer = undefined;
    const { trigger } = run;
    const plan = planTicks(viewOf(trigger), [...run.running.keys()], clock.now());
    for (const step of plan.steps) {
      if (stopping.signal.aborted) return;
      if (!(await carryOut(key, run, step, plan))) break;
    }
    if (plan.wakeAt === undefined) return;
    if (plan.wakeAt <= clock.now()) run.again = true;
    else arm(key, run, plan.wakeAt);
  };

  /** Appends the step's event and, for an accepted CronFired, starts the call. False: stop this pass. */
  const carryOut = async (key: string, run: TriggerRun, step: CronStep, plan: CronPlan): Promise<boolean> => {
    const { namespace, name } = run.trigger.metadata;
    const attributes = { namespace, trigger: name };
    const event =
      step.kind === 'skip'
        ? ({ type: 'CronSkipped', data: { namespace, name, lastTick: step.lastTick, count: step.count, reason: step.reason } } as const)
        : ({ type: 'CronFired', data: { namespace, name, tick: step.tick, late: step.late } } as const);
    const [result] = await store.append([event]);
    const verdict = result!.verdict;
    if (!verdict.accepted) {
      // Another process (or this one before a restart) recorded the tick first: it is its to call.
      if (verdict.code === 'conflict') {
        if (step.kind === 'fire') metrics.conflicts.add(1, attributes);
        return false;
      }
      if (verdict.code === 'not-found') return false; // deleted meanwhile
      const tick = step.kind === 'fire' ? step.tick : step.lastTick;
      throw new Error(`${event.type} for tick ${new Date(tick).toISOString()} refused (${verdict.code}): ${verdict.reason}`);
    }
    if (step.kind === 'skip') {
      metrics.skipped.add(step.count, { ...attributes, cause: causeOf(step.reason) });
      deps.report(`cron ${key}: skipped ${step.count} tick(s) up to ${new Date(step.lastTick).toISOString()}: ${step.reason}`);
      return true;
    }
    metrics.fired.add(1, { ...attributes, late: String(step.late) });
    if (plan.abortRunning)
      for (const [tick, call] of run.running)
        call.abort(`Replace: tick ${new Date(step.tick).toISOString()} replaces the run of ${new Date(tick).toISOString()}`);
    startCall(key, run, step.tick);
    return true;
  };

  const startCall = (key: string, run: TriggerRun, tick: number): void => {
    const { trigger } = run;
    const attributes = { namespace: trigger.metadata.namespace, trigger: trigger.metadata.name };
    const fn = keyOf(trigger.metadata.namespace, trigger.spec.function);
    if (!store.state().functions.has(fn)) {
      // As a CronJob whose image is missing: the tick is spent and its run fails.
      metrics.failures.add(1, { ...attributes, cause: 'function-not-found' });
      deps.report(`cron ${key}: tick ${new Date(tick).toISOString()} fired but failed: function ${fn} not found`);
      return;
    }
    const controller = new AbortController();
    run.running.set(tick, controller);
    const call = callTick(trigger, tick, {
      dispatcher: deps.dispatcher,
      clock,
      signal: controller.signal,
      stopping: stopping.signal,
      onStart: () => metrics.fireDelay.record(Math.max(0, clock.now() - tick) / 1000, attributes),
    })
      .then((outcome) => {
        if (outcome.ok) return;
        metrics.failures.add(1, { ...attributes, cause: 'call-failed' });
        deps.report(`cron ${key}: the call of tick ${new Date(tick).toISOString()} failed after ${outcome.attempts} attempt(s): ${outcome.error}`);
      })
      .catch((error: Error) => deps.onError(error))
      .finally(() => {
        run.running.delete(tick);
        calls.delete(call);
      });
    calls.add(call);
  };

  /** Follows the triggers the fold holds: a cron trigger changed (applied, fired, skipped) is planned again. */
  const sync = (triggers: ReturnType<typeof store.state>['triggers']): void => {
    for (const [key, run] of runs) {
      const now = triggers.get(key);
      if (now?.spec.cron) continue;
      if (run.timer !== undefined) clock.clearTimeout(run.timer);
      runs.delete(key);
    }
    for (const [key, trigger] of triggers) {
      if (!trigger.spec.cron) continue;
      const run = runs.get(key);
      if (run?.trigger === trigger) continue;
      if (run) run.trigger = trigger;
      else runs.set(key, { trigger, running: new Map(), again: false });
      kick(key);
    }
  };

  const unsubscribe = subscribeToChanges(store, ['triggers'], (state) => sync(state.triggers));
  sync(store.state().triggers);

  return {
    async stop() {
      stopping.abort('the cron engine stops');
      unsubscribe();
      for (const run of runs.values()) if (run.timer !== undefined) clock.clearTimeout(run.timer);
      await Promise.all([...runs.values()].map((run) => run.pass));
      await Promise.all([...calls]);
    },
  };
};

function viewOf(trigger: Trigger) {
  const { lastTick, activeSince } = trigger.status;
  return {
    cron: trigger.spec.cron!,
    createdAt: Date.parse(trigger.metadata.creationTimestamp),
    ...(lastTick === undefined ? {} : { lastTick }),
    ...(activeSince === undefined ? {} : { activeSince }),
  };
}

/** A low-cardinality label for a skip's reason. */
function causeOf(reason: string): string {
  if (reason.startsWith('missed')) return 'missed-deadline';
  if (reason.startsWith('the trigger was suspended')) return 'suspended';
  if (reason.startsWith('more than')) return 'too-many-late';
  return reason.split(':')[0]!; // Forbid, Replace
}
