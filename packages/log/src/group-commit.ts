/**
 * Group commit: items submitted while a commit is in flight wait and go together into the next
 * one, so N concurrent appends cost one write and one fsync, not N. Items are committed in
 * submission order. A failed commit is final (fail-stop): it rejects its batch, everything
 * queued, and every later submission.
 */
interface Pending<T> {
  item: T;
  resolve(): void;
  reject(error: unknown): void;
}

export class GroupCommit<T> {
  #queue: Pending<T>[] = [];
  #running = false;
  #failure: { error: unknown } | undefined;
  #idle: Array<() => void> = [];

  constructor(private readonly commit: (items: readonly T[]) => Promise<void>) {}

  /** Resolves once `item` has been committed. */
  submit(item: T): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure.error);
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (!this.#running) {
        this.#running = true;
        // A microtask later, so items submitted in the same synchronous burst share one commit.
        queueMicrotask(() => void this.#drain());
      }
    });
  }

  /** Resolves when nothing is queued or in flight. */
  whenIdle(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  get failure(): unknown {
    return this.#failure?.error;
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      try {
        await this.commit(batch.map((p) => p.item));
        for (const p of batch) p.resolve();
      } catch (error) {
        this.#failure = { error };
        for (const p of batch) p.reject(error);
        for (const p of this.#queue) p.reject(error);
        this.#queue = [];
      }
    }
    this.#running = false;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}
