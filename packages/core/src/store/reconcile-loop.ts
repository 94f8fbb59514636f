import type { ClusterState } from '../state.js';
import type { EventInput, StateStore } from './state-store.js';
import type { LeaderStamp } from './ports.js';

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
  onError?: (error: Error) => void;
}

/**
 * Level-triggered and never concurrent with itself: a pass reads the current state, appends what
 * it decided and waits for the fold to judge it, so the next pass sees its own writes and never
 * repeats them. Changes during a pass schedule exactly one more.
 */
export function startReconcileLoop(store: StateStore, options: ReconcileLoopOptions): ReconcileLoop {
  let running: Promise<void> | undefined;
  let dirty = false;
  let stopped = false;
  let failures = 0;

  const pass = async () => {
    do {
      dirty = false;
      try {
        const leader = options.leader?.();
        if (options.leader && !leader) continue;
        const events = await options.reconcile(store.state());
        if (events.length && !stopped) {
          const results = await store.append(leader ? events.map((e) => ({ ...e, leader })) : events);
          if (results.some((r) => !r.verdict.accepted)) dirty = true; // lost a race: decide again on fresh state
        }
        failures = 0;
      } catch (error) {
        failures++;
        options.onError?.(new Error(`${options.name}: reconcile failed: ${(error as Error).message}`, { cause: error }));
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 100 * 2 ** failures)));
        dirty = true;
      }
    } while (dirty && !stopped);
  };
  const trigger = () => {
    if (stopped) return;
    if (running) {
      dirty = true;
      return;
    }
    running = pass().finally(() => {
      running = undefined;
    });
  };
  const unsubscribe = store.subscribe(trigger);
  const timer = setInterval(trigger, options.resyncMs ?? 5000);
  timer.unref();
  trigger();
  return {
    poke: trigger,
    async stop() {
      stopped = true;
      unsubscribe();
      clearInterval(timer);
      await running;
    },
  };
}
