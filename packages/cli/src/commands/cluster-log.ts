/**
 * The event log a Tide process runs on — the embedded log of a data directory, a control plane's
 * log API, or Kafka — opened with messages that say what to do, and reported on while it runs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { metrics } from '@opentelemetry/api';
import { LEASES_TOPIC, LOGS_TOPIC, METRICS_TOPIC, type StateStore } from '@tide/core';
import { LogCorruptionError, LogLockedError, openEmbeddedLog, type EmbeddedLog, type EventLog } from '@tide/log';
import { CliError } from '../api-client.js';
import { kafkaSecurityFromEnv } from './kafka-security.js';

/** Seconds, from half a millisecond to ten seconds: the range calls and appends live in. */
const SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Load reports, heartbeats and pods' output: only recent ones matter (the autoscaler's windows, a
 * lease's last renewal, `tide autoscale replay` and `tide logs` over recent history), so on one
 * machine they do not grow the data directory forever. The state stream and artifacts are kept whole.
 */
const SAMPLE_TOPICS_RETENTION = {
  [METRICS_TOPIC]: { maxBytes: 64 * 1024 * 1024 },
  [LEASES_TOPIC]: { maxBytes: 16 * 1024 * 1024 },
  [LOGS_TOPIC]: { maxBytes: 64 * 1024 * 1024 },
};

/** Opens the embedded log of a data directory, turning its refusals into messages that say what to do. */
export async function openDataLog(dataDir: string, log: (line: string) => void): Promise<EmbeddedLog> {
  try {
    return await openEmbeddedLog(join(dataDir, 'log'), { onWarning: (warning) => log(`log: ${warning.message}`), retention: SAMPLE_TOPICS_RETENTION });
  } catch (error) {
    if (error instanceof LogLockedError) throw new CliError(`${dataDir} is in use by another Tide (pid ${error.pid}): stop it first or use --data / TIDE_DATA`);
    if (error instanceof LogCorruptionError) {
      throw new CliError(
        `the event log is damaged in the middle: ${error.file} at byte ${error.offset} (record ${error.recordOffset}, ${error.reason}).\n` +
          `Tide will not skip it silently. To cut the log there on purpose, losing every record from ${error.recordOffset} on, run:\n` +
          `  tide log repair --data ${dataDir}`,
      );
    }
    throw error;
  }
}

/**
 * Opens the log a process shares with the rest of the cluster: Kafka when brokers are given. An
 * outage is reported once when it starts and once when it ends (`report`), not per retry.
 */
export async function openClusterLog(options: { kafkaBrokers?: string | undefined; fallback: () => Promise<EventLog>; report: (line: string) => void }): Promise<ClusterLog> {
  if (!options.kafkaBrokers) return options.fallback();
  // Loaded only in Kafka mode, so one-machine Tide never loads kafkajs.
  const { openKafkaLog } = await import('@tide/log-kafka');
  const brokers = options.kafkaBrokers.split(',').map((b) => b.trim()).filter(Boolean);
  const where = `Kafka at ${brokers.join(', ')}`;
  const fetchWait = process.env.TIDE_KAFKA_FETCH_WAIT_MS;
  if (fetchWait !== undefined && !/^\d{1,5}$/.test(fetchWait)) throw new CliError(`TIDE_KAFKA_FETCH_WAIT_MS must be a number of milliseconds, got "${fetchWait.slice(0, 40)}"`);
  const security = kafkaSecurityFromEnv(process.env, (path) => readFileSync(path, 'utf8'));
  try {
    return await openKafkaLog({
      brokers,
      ...security,
      // How long a follower's Fetch waits at a broker with nothing new (real Kafka answers as soon as a record arrives).
      ...(fetchWait === undefined ? {} : { fetchMaxWaitMs: Number(fetchWait) }),
      onConnectivity: (change) =>
        options.report(
          change.reachable
            ? `event log: ${where} answers again (unreachable for ${(change.downForMs / 1000).toFixed(1)} s)`
            : `event log: cannot reach ${where}: ${change.error}; retrying until it answers (writes fail with 503 meanwhile)`,
        ),
    });
  } catch (error) {
    throw new CliError(`cannot reach Kafka at ${brokers.join(', ')} (TIDE_KAFKA_BROKERS): ${(error as Error).message}`);
  }
}

/** The cluster's log, and on Kafka whether the cluster currently answers. */
export type ClusterLog = EventLog & { connectivity?: () => { reachable: boolean } };

export const logReachable = (log: ClusterLog) => log.connectivity?.().reachable ?? true;

/** Says, in the process's output, that the state stream lost its history and the process starts over. */
export function reportStateResets(store: StateStore, report: (line: string) => void): void {
  store.onReset((reason) =>
    report(
      `event log: ${reason.message.split(';')[0]}. Starting over from the log as it is now: ` +
        'functions, pods and nodes recorded before are gone (nodes register again; deploy functions again)',
    ),
  );
}

/** Times every append of the log for Prometheus (tide_log_append_seconds): the port, wrapped at the edge. */
export function timeAppends<T extends Pick<EventLog, 'append'>>(log: T): T {
  const histogram = metrics.getMeter('tide-log').createHistogram('tide_log_append_seconds', { description: 'Time until an append is durable', unit: 's', advice: { explicitBucketBoundaries: SECONDS_BUCKETS } });
  const append = log.append.bind(log);
  log.append = async (topic, records) => {
    const started = performance.now();
    try {
      return await append(topic, records);
    } finally {
      histogram.record((performance.now() - started) / 1000, { topic });
    }
  };
  return log;
}
