// A Clock for this package's tests whose timers fire only when the test advances it.
import { setImmediate as flushed } from 'node:timers/promises';
import type { Clock } from '../clock.js';

export interface ManualClock extends Clock {
  /** Moves time forward, firing due timers in order; lets promises they start settle after each. */
  advance(ms: number): Promise<void>;
  /** Delays (ms, as asked) of the timers not yet fired. */
  pending(): number[];
}

export function createManualClock(start = 1_000_000): ManualClock {
  let current = start;
  let nextId = 0;
  const timers = new Map<number, { at: number; ms: number; callback: () => void }>();
  return {
    now: () => current,
    setTimeout(callback, ms) {
      const id = ++nextId;
      timers.set(id, { at: current + ms, ms, callback });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    pending: () => [...timers.values()].map((t) => t.ms),
    async advance(ms) {
      const target = current + ms;
      await flushed();
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= target).sort(([, a], [, b]) => a.at - b.at)[0];
        if (!due) break;
        timers.delete(due[0]);
        current = due[1].at;
        due[1].callback();
        await flushed();
      }
      current = target;
    },
  };
}
