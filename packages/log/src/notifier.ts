/** Wakes in-process readers waiting for new records, the log's close, or their own abort. */
export class Notifier {
  #waiters = new Set<() => void>();

  /** Resolves on the next `notify()`, or at once if `signal` is already aborted; never rejects. */
  wait(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.#waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.#waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  notify(): void {
    for (const done of [...this.#waiters]) done();
  }
}

/** Resolves after `ms`, or early when `signal` aborts; never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * One signal that aborts when any of `signals` does. Unlike AbortSignal.any, the links are removed
 * by `dispose`, so a long-lived signal (the log's close) does not collect one entry per read.
 */
export function linkSignals(signals: readonly (AbortSignal | undefined)[]): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  const linked = signals.filter((s): s is AbortSignal => s !== undefined);
  for (const s of linked) {
    if (s.aborted) controller.abort();
    else s.addEventListener('abort', abort, { once: true });
  }
  return {
    signal: controller.signal,
    dispose: () => {
      for (const s of linked) s.removeEventListener('abort', abort);
    },
  };
}
