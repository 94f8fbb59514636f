import { COLD_START_BENCH } from './cold-start-bench.js';
import { NODE_START_BENCH } from './node-start-bench.js';
import { AGENT_SANDBOX_BENCH } from './sandbox-bench.js';
import { ABUSE_BENCH } from './abuse-bench.js';
import { DEPLOY_BENCH } from './deploy-bench.js';
import { FAILOVER_BENCH } from './failover-bench.js';
import { KAFKA_BENCH } from './kafka-bench.js';
import { LOG_BENCH } from './log-bench.js';
import { PROXY_BENCH } from './proxy-bench.js';
import { REPLAY_BENCH } from './replay-bench.js';
import { APPLY_FLOOD } from './apply-flood-bench.js';
import { SCALE_STEP_BENCH } from './scale-step-bench.js';
import { SCHEDULER_BENCH } from './scheduler-bench.js';
import { TRIGGERS_BENCH } from './triggers-bench.js';

/**
 * Smoke mode (`npm run bench -- --smoke`, or TIDE_BENCH_SMOKE=1): every section, with counts so
 * small that the whole run takes about a minute, printing the same tables. Its figures mean little;
 * what it proves is that every step of the bench still runs, so that the bench cannot rot between
 * the rare full runs (test/bench/bench-smoke.e2e.test.ts runs it with the test suite).
 */
export function isSmokeRun(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  return argv.includes('--smoke') || env.TIDE_BENCH_SMOKE === '1';
}

/** Turns each section's settings down in place: the reports read the same objects, so the tables say what ran. */
export function useSmokeSettings(): void {
  Object.assign(LOG_BENCH, { singleRecords: 100, batchedRecords: 2_000, concurrentAppenders: 64 });
  Object.assign(REPLAY_BENCH, { events: 5_000, snapshotOffset: 4_899, runs: 1 });
  Object.assign(APPLY_FLOOD, { functions: 20 });
  Object.assign(DEPLOY_BENCH, { functions: 3 });
  Object.assign(PROXY_BENCH, { warmupRequests: 20, requests: 100, blockRequests: 50, throughputSeconds: 0.5, throughputBlockSeconds: 0.25 });
  Object.assign(SCALE_STEP_BENCH, { steps: 1 });
  Object.assign(COLD_START_BENCH, { functions: 3 }); // sections 6 and 12
  Object.assign(NODE_START_BENCH, { starts: 2 });
  Object.assign(AGENT_SANDBOX_BENCH, { poolStarts: 3, spawnStarts: 2 });
  Object.assign(SCHEDULER_BENCH, { nodes: 200, purePods: 200, logPods: 100 });
  Object.assign(KAFKA_BENCH, { commands: 20, appends: 200 });
  Object.assign(FAILOVER_BENCH, { runs: 1 });
  Object.assign(ABUSE_BENCH, { windowMs: 1_500, warmupMs: 300, settleMs: 300 });
  Object.assign(TRIGGERS_BENCH, { latencyRecords: 20, latencyWarmupMs: 200, throughputRecords: 500, throughputRecordsOnMock: 500, publishChunk: 250 });
}

/** The tools a section needs that this machine lacks, as `tool: what went without it` lines (printed, and fatal in smoke mode). */
export function missingTools(results: {
  proxy?: { nginx: { found: boolean; reason?: string } };
  kafka?: { skipped?: string };
  failover?: { skipped?: string };
  triggers?: { skipped?: string };
}): string[] {
  const missing: string[] = [];
  if (results.proxy && !results.proxy.nginx.found) missing.push(`nginx: section 4 has no nginx column (${results.proxy.nginx.reason ?? 'not found'})`);
  if (results.kafka?.skipped) missing.push(`kcat: section 9 has no Kafka column (${results.kafka.skipped})`);
  if (results.failover?.skipped) missing.push(`kcat: section 10 did not run (${results.failover.skipped})`);
  if (results.triggers?.skipped) missing.push(`kcat: section 11 has no Kafka column (${results.triggers.skipped})`);
  return missing;
}
