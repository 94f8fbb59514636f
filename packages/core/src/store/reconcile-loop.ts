import { subjectOf, type TideEvent } from '../events.js';
import type { ClusterState } from '../state.js';
import type { EventInput, StateStore } from './state-store.js';
import type { Clock, LeaderStamp } from './ports.js';
import type { BatchGate } from './batch-gate.js';
import { systemClock } from './system-clock.js';
import { subscribeToChanges } from './state-changes.js';
import { FAILED_BACKOFF, isDue, nextDueAt, objectAt, REJECTED_BACKOFF, without, withFailure, type BackoffPolicy, type Backoffs } from './reconcile-backoff.js';
import { reconcileRejectedCounter } from './telemetry.js';

export interface ReconcileLoop {
  /** Runs a pass soon even without a state change (e.g. after an external fact changed). */
  poke(): void;
  stop(): Promise<void>;
}

export interface ReconcileLoopOptions {
  name: string;
  /** Pure: the events that move the state toward what is desired (empty = converged). */
  reconcile: (state: ClusterState) => EventInput[] | Promise<EventInput[]>;
  /** A pass also runs this often, to repair drift that no event announces (default 5 s). */
  resyncMs?: number;
  /**
   * The leadership this loop acts under: a pass runs only while it returns one, and its events
   * carry it, so the fold rejects them if a newer leader was elected meanwhile.
   */
  leader?: LeaderStamp;
  /** Back-off of a key whose event the fold rejected (default 5 ms doubling to 5 s). */
  rejectedBackoff?: BackoffPolicy;
  /** A pass waits while this process's own batch of events is being judged (see BatchGate). */
  gate?: Pick<BatchGate, 'settled'>;
  /** Its appends hold this gate: loops waiting on it do not look at the state between their records. */
  holds?: Pick<BatchGate, 'hold'>;
  clock?: Clock;
  onError?: (error: Error) => void;
}

/** The back-off key of a pass that failed as a whole (no subject is ever empty). */
const WHOLE_PASS = '';

/** An event's back-off key: its subject (subjectOf reads only names, which schema defaults leave alone). */
const keyOf = (event: EventInput): string => subjectOf(event as TideEvent);

/**
 * Level-triggered and never concurrent with itself: a pass reads the current state, appends what
 * it decided and waits for the fold to judge it, so the next pass sees its own writes and never
 * repeats them. Changes during a pass schedule exactly one more. An event the fold rejected holds
 * back its subject (the key) with a back-off per key, as controller-runtime's workqueue does: a
 * planner that disagrees with the fold once appended 499 rejected events in 0.8 s without it.
 */
export function startReconcileLoop(store: StateStore, options: ReconcileLoopOptions): ReconcileLoop {
  const clock = options.clock ?? systemClock;
  const rejectedBackoff = options.rejectedBackoff ?? REJECTED_BACKOFF;
  const rejectedTotal = reconcileRejectedCounter();
  let running: Promise<void> | undefined;
  let dirty = false;
  let stopped = false;
  let backoffs: Backoffs = new Map();
  let wakeTimer: unknown;

  /** Appends the events whose keys are due and backs off the keys the fold rejected. */
  const propose = async (state: ClusterState, events: readonly EventInput[], leader: ReturnType<LeaderStamp>) => {
    const proposed = new Set(events.map(keyOf));
    const due = events.filter((e) => isDue(backoffs, keyOf(e), clock.now(), objectAt(state, keyOf(e))));
    backoffs = without(backoffs, (key) => key !== WHOLE_PASS && !proposed.has(key)); // converged: forget
    if (due.length === 0 || stopped) return;
    const stamped = leader ? due.map((e) => ({ ...e, leader })) : due;
    const results = await (options.holds ? options.holds.hold(() => store.append(stamped)) : store.append(stamped));
    const rejectedKeys = new Set<string>();
    results.forEach(({ verdict }, i) => {
      if (verdict.accepted) return;
      rejectedKeys.add(keyOf(due[i]!));
      rejectedTotal.add(1, { loop: options.name, code: verdict.code });
    });
    const judged = store.state();
    const appended = new Set(due.map(keyOf));
    backoffs = without(backoffs, (key) => appended.has(key) && !rejectedKeys.has(key)); // reset on success
    for (const key of rejectedKeys) backoffs = withFailure(backoffs, key, clock.now(), objectAt(judged, key), rejectedBackoff);
  };

  const pass = async () => {
    do {
      dirty = false;
      if (!isDue(backoffs, WHOLE_PASS, clock.now(), undefined)) break;
      try {
        const leader = options.leader?.();
        if (options.leader && !leader) {
          backoffs = without(backoffs, (key) => key !== WHOLE_PASS); // a new leadership starts afresh
          continue;
        }
        const batch = options.gate?.settled();
        if (batch) await batch;
        const state = store.state();
        await propose(state, await options.reconcile(state), leader);
        backoffs = without(backoffs, (key) => key === WHOLE_PASS);
      } catch (error) {
        options.onError?.(new Error(`${options.name}: reconcile failed: ${(error as Error).message}`, { cause: error }));
        backoffs = withFailure(backoffs, WHOLE_PASS, clock.now(), undefined, FAILED_BACKOFF);
      }
    } while (dirty && !stopped);
    wakeWhenDue();
  };

  /** One timer, for the key that falls due first; while the whole loop backs off, for the loop. */
  const wakeWhenDue = () => {
    if (wakeTimer !== undefined) clock.clearTimeout(wakeTimer);
    wakeTimer = undefined;
    const dueAt = backoffs.get(WHOLE_PASS)?.notBefore ?? nextDueAt(backoffs);
    if (dueAt === undefined || stopped) return;
    wakeTimer = clock.setTimeout(
      () => {
        wakeTimer = undefined;
        trigger();
      },
      Math.max(0, dueAt - clock.now()),
    );
  };

  const trigger = () => {
    if (stopped) return;
    if (running) {
      dirty = true;
      return;
    }
    running = pass().finally(() => {
      running = undefined;
      // A change folded after the pass's last look but before it settled must not wait for the resync.
      if (dirty) trigger();
    });
  };

  // A state change is acted on at the next turn of the event loop, not inside the fold of the
  // record that made it: records read together (a controller's batch of PodCreated) are then folded
  // whole first and one pass decides them all. Started at the first record, a pass decided one pod
  // and the other nine of a batch of ten waited for that pass's append to be judged.
  let changeQueued = false;
  const changed = () => {
    if (changeQueued || stopped) return;
    changeQueued = true;
    setImmediate(() => {
      changeQueued = false;
      trigger();
    });
  };
  // A record that changed nothing (a rejected event: ours, retried on its back-off) runs no pass.
  const unsubscribe = subscribeToChanges(store, 'any', changed);
  const resyncMs = options.resyncMs ?? 5000;
  let resyncTimer: unknown;
  const resync = () => {
    trigger();
    resyncTimer = clock.setTimeout(resync, resyncMs);
    (resyncTimer as { unref?: () => void }).unref?.();
  };
  resyncTimer = clock.setTimeout(resync, resyncMs);
  (resyncTimer as { unref?: () => void }).unref?.();
  trigger();
  return {
    poke: trigger,
    async stop() {
      stopped = true;
      unsubscribe();
      clock.clearTimeout(resyncTimer);
      if (wakeTimer !== undefined) clock.clearTimeout(wakeTimer);
      await running;
    },
  };
}
