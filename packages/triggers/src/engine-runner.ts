import { startLeaderElection } from '@tide/controllers';
import type { Engine, EngineDeps } from './engine.js';
import type { TriggerEngine } from './engines.js';
import { leaderEngines } from './leader-engines.js';

/** The role whose leader runs the engines that must run once in the cluster (cron, the async worker). */
export const TRIGGERS_ROLE = 'triggers';

export interface EngineRunner {
  leading(): boolean;
  /** Leader-only engines stop first (their leadership is left to lapse), then the others, in reverse start order. */
  stop(): Promise<void>;
}

export interface EngineRunnerOptions {
  engines: readonly TriggerEngine[];
  deps: EngineDeps;
  /** The bus shares a group's partitions among processes (Kafka): engines not marked leaderOnly run on every process. */
  sharedGroups: boolean;
  leadership: { holder: string; graceMs?: number; renewMs?: number };
}

/**
 * Starts the engines that run on every process, and elects a leader of role `triggers` (through
 * the log, as the controllers' leader is) whose process runs the others while it leads. On a bus
 * whose groups are not shared across processes (one machine's log), every engine is leader-only:
 * two processes would each consume every partition.
 */
export async function startEngineRunner({ engines, deps, sharedGroups, leadership }: EngineRunnerOptions): Promise<EngineRunner> {
  const onLeaderOnly = (e: TriggerEngine) => e.leaderOnly || !sharedGroups;
  const leaderOnly = engines.filter(onLeaderOnly);
  const everywhere: { name: string; engine: Engine }[] = [];
  const stopEverywhere = async () => {
    for (const { name, engine } of everywhere.splice(0).reverse())
      await engine.stop().catch((error: Error) => deps.onError(new Error(`triggers: stopping the ${name} engine failed: ${error.message}`, { cause: error })));
  };
  try {
    for (const { name, start } of engines.filter((e) => !onLeaderOnly(e))) everywhere.push({ name, engine: await start(deps) });
  } catch (error) {
    await stopEverywhere();
    throw error;
  }
  const onLeader = leaderEngines(leaderOnly, deps);
  let leading = false;
  const election = await startLeaderElection({
    store: deps.store,
    leases: deps.log,
    role: TRIGGERS_ROLE,
    holder: leadership.holder,
    ...(leadership.graceMs === undefined ? {} : { graceMs: leadership.graceMs }),
    ...(leadership.renewMs === undefined ? {} : { renewMs: leadership.renewMs }),
    now: () => deps.clock.now(),
    onChange: (now, epoch) => {
      leading = now;
      onLeader.leading(now);
      if (leaderOnly.length)
        deps.report(`triggers: ${now ? `leading (epoch ${epoch}): running` : 'not leading: stopped'} ${leaderOnly.map((e) => e.name).join(', ')}`);
    },
    onError: deps.onError,
  });
  return {
    leading: () => leading,
    async stop() {
      await election.stop();
      await onLeader.stop();
      await stopEverywhere();
    },
  };
}
