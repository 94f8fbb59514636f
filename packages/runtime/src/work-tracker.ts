/** Counts unfinished work (in-flight responses, waitUntil tasks) so a draining pod knows when it is done. */
export interface WorkTracker {
  track(work: Promise<unknown>): void;
  readonly pending: number;
  /** Resolves when nothing is pending, or after maxMs, whichever comes first. */
  settled(maxMs: number): Promise<void>;
}

export function createWorkTracker(): WorkTracker {
  let pending = 0;
  const idleWaiters = new Set<() => void>();
  const done = () => {
    pending -= 1;
    if (pending === 0) for (const waiter of idleWaiters) waiter();
  };
  return {
    track(work) {
      pending += 1;
      work.then(done, done);
    },
    get pending() {
      return pending;
    },
    settled(maxMs) {
      if (pending === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(finish, maxMs);
        function finish() {
          clearTimeout(timer);
          idleWaiters.delete(finish);
          resolve();
        }
        idleWaiters.add(finish);
      });
    },
  };
}
