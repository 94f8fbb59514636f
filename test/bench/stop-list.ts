/** What the bench started and must stop, on success, failure or abort: each stop runs once. */
export interface StopList {
  /** Registers a stop; the returned function runs it now and takes it off the list. */
  add(name: string, stop: () => Promise<void>): () => Promise<void>;
  /** Runs every stop still listed, newest first; a failing one is reported and the rest still run. */
  stopAll(): Promise<void>;
}

export function createStopList(onError: (message: string) => void): StopList {
  const entries: { name: string; run: () => Promise<void> }[] = [];
  const once = (name: string, stop: () => Promise<void>) => {
    let running: Promise<void> | undefined;
    return () => (running ??= stop().catch((error: Error) => onError(`could not stop ${name}: ${error.message}`)));
  };
  return {
    add(name, stop) {
      const entry = { name, run: once(name, stop) };
      entries.push(entry);
      return async () => {
        const at = entries.indexOf(entry);
        if (at >= 0) entries.splice(at, 1);
        await entry.run();
      };
    },
    async stopAll() {
      for (const entry of entries.splice(0).reverse()) await entry.run();
    },
  };
}
