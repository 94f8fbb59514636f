/**
 * A clock that moves only when a test advances it: shells that take a Clock (now and timers) run
 * their timers when the test says time has passed, so a back-off is tested without sleeping.
 */
export interface FakeClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): number;
  clearTimeout(handle: unknown): void;
  /** Moves time forward, running every timer that falls due on the way, in order of due time. */
  advance(ms: number): void;
  /** Sets the time (backward too, as a wall clock may jump); runs timers due by then. */
  set(ms: number): void;
  /** When the timers not yet run are due, earliest first. */
  pendingTimers(): number[];
}

export function createFakeClock(start = 1_700_000_000_000): FakeClock {
  let current = start;
  let nextHandle = 1;
  const timers = new Map<number, { dueAt: number; callback: () => void }>();
  /** Runs due timers one at a time, so a timer set by a callback runs too if due by `until`. */
  const runUntil = (until: number) => {
    for (;;) {
      let earliest: [number, { dueAt: number; callback: () => void }] | undefined;
      for (const entry of timers) if (entry[1].dueAt <= until && (!earliest || entry[1].dueAt < earliest[1].dueAt)) earliest = entry;
      if (!earliest) break;
      timers.delete(earliest[0]);
      current = Math.max(current, earliest[1].dueAt);
      earliest[1].callback();
    }
    current = until;
  };
  return {
    now: () => current,
    setTimeout(callback, ms) {
      const handle = nextHandle++;
      timers.set(handle, { dueAt: current + Math.max(0, ms), callback });
      return handle;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      runUntil(current + ms);
    },
    set(ms) {
      runUntil(ms);
    },
    pendingTimers: () => [...timers.values()].map((t) => t.dueAt).sort((a, b) => a - b),
  };
}
