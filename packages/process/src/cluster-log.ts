/**
 * The event log a Tide process runs on — the embedded log of a data directory, a control plane's
 * log API, or Kafka — opened with messages that say what to do, and reported on while it runs.
 */
import { join } from 'node:path';
import { metrics } from '@opentelemetry/api';
import { LEASES_TOPIC, LOGS_TOPIC, METRICS_TOPIC, WRITER_HEADER } from '@tide/core';
import { LogCorruptionError, LogLockedError, openEmbeddedLog, openHttpLog, type EmbeddedLog, type EventLog } from '@tide/log';
import { describeLogSource, type LogSource } from './log-source.js';
import { StartupError } from './startup-error.js';

/** Seconds, from half a millisecond to ten seconds: the range calls and appends live in (histogram buckets of every process). */
export const SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

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

/** The cluster's log, and on Kafka whether the cluster currently answers. */
export type ClusterLog = EventLog & { connectivity?: () => { reachable: boolean } };

export const logReachable = (log: ClusterLog): boolean => log.connectivity?.().reachable ?? true;

/** Opens the embedded log of a data directory, turning its refusals into messages that say what to do. */
export async function openDataLog(dataDir: string, report: (line: string) => void): Promise<EmbeddedLog> {
  try {
    return await openEmbeddedLog(join(dataDir, 'log'), { onWarning: (warning) => report(`log: ${warning.message}`), retention: SAMPLE_TOPICS_RETENTION });
  } catch (error) {
    if (error instanceof LogLockedError)
      throw new StartupError(`${dataDir} is in use by another Tide (pid ${error.pid}): stop it first or use --data / TIDE_DATA`);
    if (error instanceof LogCorruptionError) {
      throw new StartupError(
        `the event log is damaged in the middle: ${error.file} at byte ${error.offset} (record ${error.recordOffset}, ${error.reason}).\n` +
          `Tide will not skip it silently. To cut the log there on purpose, losing every record from ${error.recordOffset} on, run:\n` +
          `  tide log repair --data ${dataDir}`,
      );
    }
    throw error;
  }
}

/**
 * Opens the log a process shares with the rest of the cluster, every append timed for Prometheus.
 * On Kafka an outage is reported once when it starts and once when it ends (`report`), not per retry.
 */
export async function openClusterLog(source: LogSource, report: (line: string) => void): Promise<ClusterLog> {
  switch (source.kind) {
    case 'embedded':
      return timeAppends(await openDataLog(source.dataDir, report));
    case 'http':
      return timeAppends(openHttpLog(source.server, source.token === undefined ? {} : { token: source.token }));
    case 'kafka': {
      const log = timeAppends(await openKafka(source, report));
      return source.writer === undefined ? log : stampWriter(log, source.writer);
    }
  }
}

async function openKafka(source: Extract<LogSource, { kind: 'kafka' }>, report: (line: string) => void): Promise<ClusterLog> {
  // Loaded only in Kafka mode, so one-machine Tide never loads kafkajs.
  const { openKafkaLog } = await import('@tide/log-kafka');
  const where = describeLogSource(source);
  try {
    return await openKafkaLog({
      brokers: source.brokers,
      ...source.security,
      // How long a follower's Fetch waits at a broker with nothing new (real Kafka answers as soon as a record arrives).
      ...(source.fetchMaxWaitMs === undefined ? {} : { fetchMaxWaitMs: source.fetchMaxWaitMs }),
      onConnectivity: (change) =>
        report(
          change.reachable
            ? `event log: ${where} answers again (unreachable for ${(change.downForMs / 1000).toFixed(1)} s)`
            : `event log: cannot reach ${where}: ${change.error}; retrying until it answers (writes fail with 503 meanwhile)`,
        ),
    });
  } catch (error) {
    throw new StartupError(`cannot reach ${where} (TIDE_KAFKA_BROKERS): ${(error as Error).message}`);
  }
}

/** Times every append of the log for Prometheus (tide_log_append_seconds): the port, wrapped at the edge. */
export function timeAppends<T extends Pick<EventLog, 'append'>>(log: T): T {
  const histogram = metrics.getMeter('tide-log').createHistogram('tide_log_append_seconds', {
    description: 'Time until an append is durable',
    unit: 's',
    advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
  });
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

/**
 * Stamps who this process is on every record it appends (the `tide-writer` header), replacing
 * whatever a caller set: on Kafka no control plane stands between a component and the topics.
 */
export function stampWriter<T extends Pick<EventLog, 'append'>>(log: T, writer: string): T {
  const append = log.append.bind(log);
  log.append = (topic, records) =>
    append(
      topic,
      records.map((record) => ({ ...record, headers: { ...record.headers, [WRITER_HEADER]: writer } })),
    );
  return log;
}
