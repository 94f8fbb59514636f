/**
 * Holds a process's reconcile loops while one of its own multi-event writes is being judged. A
 * leader that appends a wake from zero as one batch (ScaleSet, then the pods it creates and binds)
 * must not have its revision controller look at the state between the batch's records: folded
 * after the ScaleSet but before the PodCreated, the controller would create a second pod. A loop
 * given the gate waits for the batch to be judged whole, then sees it converged. Only an
 * efficiency, as leadership is: the fold still judges every record on its own.
 */
export interface BatchGate {
  /** Runs `write` (an append that resolves once every record was judged) with the loops held. */
  hold<T>(write: () => Promise<T>): Promise<T>;
  /** Settles once no held write is under way; undefined when none is (a loop need not wait at all). */
  settled(): Promise<void> | undefined;
}

export function createBatchGate(): BatchGate {
  let held = 0;
  let waiting: Promise<void> | undefined;
  let release: (() => void) | undefined;
  return {
    async hold(write) {
      if (held++ === 0) waiting = new Promise<void>((resolve) => (release = resolve));
      try {
        return await write();
      } finally {
        if (--held === 0) {
          release?.();
          waiting = undefined;
          release = undefined;
        }
      }
    },
    settled: () => waiting,
  };
}
