import type { StartEngine } from './engine.js';

/** One engine of the triggers process, and whether it runs on one process only. */
export interface TriggerEngine {
  /** For start-up lines and errors: `kafka`, `cron`, `async`. */
  name: string;
  start: StartEngine;
  /**
   * True for work that must be done once across the cluster (cron ticks, the async worker's
   * consumer): it runs only on the process leading role `triggers`. False for Kafka triggers,
   * which run on every triggers process: their consumer groups share the partitions.
   */
  leaderOnly: boolean;
}

/**
 * The engines `tide triggers` and `tide up` run, in start order (stopped in reverse). Kept in this
 * one place so the CLI and tests agree; each engine is added here once its package part exists
 * (startKafkaTriggers leaderOnly false, startCronTriggers and startAsyncWorker leaderOnly true).
 */
export const TRIGGER_ENGINES: readonly TriggerEngine[] = [];
