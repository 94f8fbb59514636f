/**
 * The EventLog port on Kafka (kafkajs). Every topic is used as one partition, partition 0, so
 * each topic is totally ordered and its offsets are Kafka's offsets of partition 0 (dense from 0
 * on a fresh topic). What is done through which kafkajs piece, and why:
 * - append: one producer (acks -1, not idempotent, one request in flight) and one send at a time
 *   per topic, group-committing what queued up (topic-appender.ts); once the cluster has been
 *   unreachable for a second, a new append fails at once instead (append-gate.ts);
 * - read: Fetch requests on a Cluster of the reader's own, no consumer group (partition-reader.ts);
 * - endOffset, committedOffset: the admin client;
 * - commitOffset: an OffsetCommit for a memberless group (group-offsets.ts). Nothing auto-commits.
 */
import { Kafka, logLevel as LogLevel, type Admin, type Cluster, type ISocketFactory, type Producer, type RetryOptions, type SASLOptions } from 'kafkajs';
import { InvalidTopicError, type AppendRecord, type EventLog, type LogRecord, type ReadOptions } from '@tide/log';
import { KafkaLogClosedError, KafkaLogError } from './errors.js';
import { createAppendGate } from './append-gate.js';
import { createCluster } from './kafka-cluster.js';
import { readPartition } from './partition-reader.js';
import { createTopicAppender, type TopicAppender } from './topic-appender.js';
import { DEFAULT_SEND_LIMITS, type SendLimits } from './send-batch.js';
import { commitGroupOffset, fetchGroupOffset } from './group-offsets.js';
import { trackConnectivity, type Connectivity, type ConnectivityChange, type ConnectivityTracker } from './connectivity.js';
import { connectivityAwareLogger } from './kafka-logger.js';

/** TLS and SASL for a real cluster; absent = PLAINTEXT (a local broker, the test mock). */
export interface KafkaSecurity {
  /** true: TLS with the system's CAs; an object: TLS with these (PEM) CAs and client certificate. */
  ssl?: true | { ca?: string[]; cert?: string; key?: string };
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}

export interface KafkaLogOptions extends KafkaSecurity {
  /** Bootstrap brokers, `host:port`. */
  brokers: string[];
  /** Default 'tide'. */
  clientId?: string;
  /** kafkajs' own logging (default WARN: connection errors show, chatter does not). */
  logLevel?: LogLevel;
  /**
   * How long a tailing Fetch may wait at the broker when there is nothing new (default 100).
   * Real Kafka answers as soon as a record arrives; the librdkafka mock always waits this long,
   * so it bounds how late a tailing reader sees an append there.
   */
  fetchMaxWaitMs?: number;
  /** Bytes per Fetch (default 1 MiB; a larger record is still returned whole). */
  fetchMaxBytes?: number;
  /**
   * kafkajs' TCP connect timeout (default 3 000; kafkajs' own default of 1 000 is the moment a
   * dropped SYN is first retransmitted, and the librdkafka mock's small listen backlog drops
   * some when many clients connect at once).
   */
  connectionTimeoutMs?: number;
  /** A non-tailing read gives up after failing for this long (default 30 000). */
  readGiveUpMs?: number;
  sendLimits?: Partial<SendLimits>;
  retry?: RetryOptions;
  /** kafkajs' socket factory (tests use it to cut connections as a broker restart would). */
  socketFactory?: ISocketFactory;
  /**
   * Told once when the cluster stops answering (the first failed append, fetch or offset call)
   * and once when it answers again; reads and appends keep retrying meanwhile.
   */
  onConnectivity?: (change: ConnectivityChange) => void;
  /**
   * Once the cluster has been unreachable for this long (default 1 000), a new append fails at
   * once with a KafkaLogError instead of waiting out kafkajs' retries (9-15 s at its defaults);
   * shorter blips still ride on those retries. Infinity turns failing fast off.
   */
  failFastAfterMs?: number;
}

export interface KafkaLog extends EventLog {
  readonly brokers: readonly string[];
  stats(): KafkaLogStats;
  /** Whether the cluster answered the last operation, since when, and the failure if not. */
  connectivity(): Connectivity;
}

export interface KafkaLogStats {
  /** Produce requests that succeeded, over all topics. */
  sends: number;
  /** Records those sends carried (records / sends = appends' group commit at work). */
  appendedRecords: number;
  /** Reads (tailing or not) currently open. */
  openReads: number;
}

export async function openKafkaLog(options: KafkaLogOptions): Promise<KafkaLog> {
  const brokers = [...options.brokers];
  const connectivity = trackConnectivity((change) => options.onConnectivity?.(change));
  const config = {
    brokers,
    ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
    // kafkajs types each mechanism's options apart; for these three they have one shape.
    ...(options.sasl === undefined ? {} : { sasl: { ...options.sasl } as SASLOptions }),
    clientId: options.clientId ?? 'tide',
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    ...(options.socketFactory ? { socketFactory: options.socketFactory } : {}),
  };
  const kafka = new Kafka({
    ...config,
    logLevel: options.logLevel ?? LogLevel.WARN,
    logCreator: connectivityAwareLogger(connectivity),
    ...(options.retry ? { retry: options.retry } : {}),
  });
  // Probes whether an unreachable cluster is back (append-gate.ts): one attempt each, no retries,
  // and silent (the probe notes its own outcome; its connection errors are expected).
  const probeKafka = new Kafka({ ...config, logLevel: LogLevel.NOTHING, retry: { retries: 0 } });
  const producer = kafka.producer({
    idempotent: false,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: true,
    // Messages name their partition; this only silences kafkajs' partitioner-change warning.
    createPartitioner: () => () => 0,
  });
  const admin = kafka.admin();
  const control = createCluster(kafka);
  try {
    await Promise.all([producer.connect(), admin.connect(), control.connect()]);
  } catch (error) {
    await Promise.allSettled([producer.disconnect(), admin.disconnect(), control.disconnect()]);
    throw new KafkaLogError('connect', brokers, undefined, error);
  }
  return createKafkaLog({ kafka, probeKafka, producer, admin, control, brokers, options, connectivity });
}

interface Parts {
  kafka: Kafka;
  probeKafka: Kafka;
  producer: Producer;
  admin: Admin;
  control: Cluster;
  brokers: string[];
  options: KafkaLogOptions;
  connectivity: ConnectivityTracker;
}

function createKafkaLog({ kafka, probeKafka, producer, admin, control, brokers, options, connectivity }: Parts): KafkaLog {
  const limits: SendLimits = { ...DEFAULT_SEND_LIMITS, ...options.sendLimits };
  const appenders = new Map<string, TopicAppender>();
  const closing = new AbortController();
  // Every reader's Cluster, so close() ends their connections even if nobody pulls the reader.
  const readerClusters = new Set<Cluster>();
  const readerShutdowns = new Set<Promise<unknown>>();
  const failed = (operation: string, topic: string) => (error: unknown) =>
    error instanceof KafkaLogError ? error : new KafkaLogError(operation, brokers, topic, error);
  /** Notes how an operation against the cluster went, for connectivity(). */
  const noted = <T>(operation: Promise<T>, startedAt = Date.now()): Promise<T> =>
    operation.then(
      (value) => {
        connectivity.note(undefined);
        return value;
      },
      (error: unknown) => {
        connectivity.note(error, startedAt);
        throw error;
      },
    );
  const open = (operation: string) => {
    if (closing.signal.aborted) throw new KafkaLogClosedError(brokers, operation);
  };

  const enqueue = (topic: string, records: readonly AppendRecord[]): Promise<number[]> => {
    let appender = appenders.get(topic);
    if (appender === undefined) {
      appender = createTopicAppender(producer, topic, limits, failed('append', topic));
      appenders.set(topic, appender);
    }
    return noted(appender.append(records));
  };

  const gate = createAppendGate({
    connectivity,
    failFastAfterMs: options.failFastAfterMs ?? 1_000,
    probe: async () => {
      const client = probeKafka.admin();
      try {
        await client.connect();
        connectivity.note(undefined);
      } catch {
        // still down, as already known
      } finally {
        await client.disconnect().catch(() => undefined);
      }
    },
    closed: () => closing.signal.aborted,
  });

  const endOffset = async (topic: string): Promise<number> => {
    open('endOffset');
    checkTopic(topic);
    try {
      const partitions = await noted(admin.fetchTopicOffsets(topic));
      const partition0 = partitions.find((p) => p.partition === 0);
      if (partition0 === undefined) throw new Error(`topic has no partition 0 (${partitions.length} partitions)`);
      return Number(partition0.high);
    } catch (error) {
      throw failed('endOffset', topic)(error);
    }
  };

  async function* read(topic: string, fromOffset: number, readOptions: ReadOptions = {}): AsyncGenerator<LogRecord> {
    open('read');
    checkTopic(topic);
    const signal = readOptions.signal ? AbortSignal.any([readOptions.signal, closing.signal]) : closing.signal;
    if (signal.aborted) return;
    const stopAt = (readOptions.follow ?? true) ? Infinity : await endOffset(topic);
    if (fromOffset >= stopAt) return;
    const cluster = createCluster(kafka);
    readerClusters.add(cluster);
    try {
      yield* readPartition(cluster, {
        topic,
        fromOffset,
        stopAt,
        signal,
        fetchMaxWaitMs: options.fetchMaxWaitMs ?? 100,
        fetchMaxBytes: options.fetchMaxBytes ?? 1024 * 1024,
        giveUpMs: options.readGiveUpMs ?? 30_000,
        endOffset: () => endOffset(topic),
        failed: failed('read', topic),
        where: brokers.join(','),
        onFetch: (error, startedAt) => connectivity.note(error === undefined ? undefined : failed('read', topic)(error), startedAt),
      });
    } finally {
      // Disconnecting waits for the Fetch in flight (at most fetchMaxWaitMs); close() awaits it.
      readerClusters.delete(cluster);
      const shutdown = cluster.disconnect().catch(() => undefined);
      readerShutdowns.add(shutdown);
      void shutdown.then(() => readerShutdowns.delete(shutdown));
    }
  }

  return {
    brokers,
    connectivity: () => connectivity.current(),
    stats() {
      const appending = [...appenders.values()];
      return {
        sends: appending.reduce((n, a) => n + a.sends, 0),
        appendedRecords: appending.reduce((n, a) => n + a.records, 0),
        openReads: readerClusters.size,
      };
    },
    append(topic, records) {
      try {
        open('append');
        checkTopic(topic);
      } catch (error) {
        return Promise.reject(error);
      }
      if (records.length === 0) return enqueue(topic, records);
      return gate.admit(
        () => {
          open('append');
          return enqueue(topic, records);
        },
        (unreachable) => new KafkaLogError('append', brokers, topic, unreachable),
      );
    },
    read,
    endOffset,
    async commitOffset(group, topic, offset) {
      open('commitOffset');
      checkTopic(topic);
      await noted(commitGroupOffset(control, group, topic, offset)).catch((error: unknown) => {
        throw failed('commitOffset', `${group}/${topic}`)(error);
      });
    },
    async committedOffset(group, topic) {
      open('committedOffset');
      checkTopic(topic);
      return noted(fetchGroupOffset(admin, group, topic)).catch((error: unknown) => {
        throw failed('committedOffset', `${group}/${topic}`)(error);
      });
    },
    async close() {
      if (closing.signal.aborted) return;
      // Readers end at once (their signal aborts); appends already queued still finish.
      closing.abort();
      await Promise.all([...appenders.values()].map((a) => a.idle()));
      await gate.idle();
      const readers = [...readerClusters].map((c) => c.disconnect());
      await Promise.allSettled([producer.disconnect(), admin.disconnect(), control.disconnect(), ...readers, ...readerShutdowns]);
    },
  };
}

/** Kafka's topic name rule (the embedded log accepts the same names). */
function checkTopic(topic: string): void {
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(topic) || topic === '.' || topic === '..') throw new InvalidTopicError(topic);
}
