import { openStateStore, STATE_TOPIC } from '@tide/core';
import { benchAcceptedToApplied, openEmbeddedLog, type AcceptedToAppliedBench, type BenchStateStore, type EventLog } from '@tide/log';
import { benchAcceptedToApplied as benchKafkaAcceptedToApplied, benchKafkaAppends, type KafkaAppendBench } from '@tide/log-kafka';
import { kcatAvailable, startMockKafka } from '@tide/log-kafka/testing';
import type { TempDirs } from './temp-dirs.js';

/** Fetch waits to compare: the mock answers an empty Fetch only when the wait is over, so it bounds how late a follower sees a record there. */
export const KAFKA_BENCH = { commands: 200, followers: 3, appends: 2000, fetchWaitsMs: [20, 5] };

export interface KafkaBenchResult {
  embedded: AcceptedToAppliedBench;
  kafka?: { acceptedToApplied: (AcceptedToAppliedBench & { fetchMaxWaitMs: number })[]; appends: KafkaAppendBench };
  /** Why there is no Kafka column (kcat missing). */
  skipped?: string;
}

const namespace = (i: number) => ({ type: 'NamespaceApplied', data: { name: `bench-${i}`, labels: {}, annotations: {} }, expect: null });
const storeOn = ({ log, topic }: { log: EventLog; topic: string }) => openStateStore({ log, topic }) as unknown as Promise<BenchStateStore>;

/**
 * Command accepted → applied by every consumer, on the embedded log (all consumers in one process
 * share its instance, as in `tide up`) and on the librdkafka mock cluster (each consumer its own
 * kafkajs connection, as separate processes would have); plus state-stream appends through kafkajs.
 */
export async function runKafkaBench(temp: TempDirs): Promise<KafkaBenchResult> {
  const { commands, followers, appends, fetchWaitsMs } = KAFKA_BENCH;
  const shared = await openEmbeddedLog(await temp.make('tide-bench-accepted-'));
  const embedded = await benchAcceptedToApplied({
    openLog: async () =>
      ({
        ...shared,
        append: shared.append.bind(shared),
        read: shared.read.bind(shared),
        endOffset: shared.endOffset.bind(shared),
        close: async () => {},
      }) as EventLog,
    openStateStore: storeOn,
    command: namespace,
    topic: STATE_TOPIC,
    commands,
    followers,
  });
  await shared.close();
  if (!(await kcatAvailable())) return { embedded, skipped: "Debian's kcat is not installed (the mock Kafka cluster needs it)" };
  const kafka = await startMockKafka({ brokers: 3 });
  try {
    const acceptedToApplied: (AcceptedToAppliedBench & { fetchMaxWaitMs: number })[] = [];
    for (const fetchMaxWaitMs of fetchWaitsMs) {
      const run = await benchKafkaAcceptedToApplied(kafka.brokers, {
        openStateStore: storeOn as never,
        command: namespace as never,
        commands,
        followers,
        fetchMaxWaitMs,
      });
      acceptedToApplied.push({ ...run, fetchMaxWaitMs });
    }
    const appendsBench = await benchKafkaAppends(kafka.brokers, { records: appends });
    return { embedded, kafka: { acceptedToApplied, appends: appendsBench } };
  } finally {
    await kafka.stop();
  }
}
