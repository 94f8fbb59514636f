import type { Engine, EngineDeps } from './engine.js';
import type { TriggerEngine } from './engines.js';

/** Engines started and stopped as this process gains and loses leadership. */
export interface LeaderEngines {
  /** Called on every change of leadership; transitions run one after another, in order. */
  leading(leading: boolean): void;
  /** Names of the engines running now. */
  running(): string[];
  /** Stops what runs and starts nothing more. */
  stop(): Promise<void>;
}

/**
 * Runs `engines` only while `leading(true)` was the last word. A transition waits for the one
 * before it, so a quick lose-and-win never runs two copies of an engine, and a deposed leader's
 * engines have stopped (calls in flight finished) before a later win starts them again.
 */
export function leaderEngines(engines: readonly TriggerEngine[], deps: EngineDeps): LeaderEngines {
  let started: { name: string; engine: Engine }[] = [];
  let chain: Promise<void> = Promise.resolve();
  let stopped = false;

  const startAll = async () => {
    for (const { name, start } of engines) {
      if (stopped) return;
      try {
        started.push({ name, engine: await start(deps) });
      } catch (error) {
        deps.onError(new Error(`triggers: starting the ${name} engine failed: ${(error as Error).message}`, { cause: error }));
      }
    }
  };
  const stopAll = async () => {
    const stopping = started.reverse();
    started = [];
    for (const { name, engine } of stopping) {
      await engine.stop().catch((error: Error) => deps.onError(new Error(`triggers: stopping the ${name} engine failed: ${error.message}`, { cause: error })));
    }
  };

  return {
    leading(leading) {
      chain = chain.then(() => (leading && !stopped ? (started.length ? undefined : startAll()) : stopAll()));
    },
    running: () => started.map((s) => s.name),
    async stop() {
      stopped = true;
      chain = chain.then(stopAll);
      await chain;
    },
  };
}
