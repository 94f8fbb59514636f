/**
 * One Kafka trigger at work: its consumer group's subscription on its bus, a PartitionWorker per
 * assigned partition, and its lag. Stopping drains every partition (calls in flight finish, the
 * watermark is committed) before leaving the group.
 */
import { consumerGroupOf, type Trigger } from '@tide/core';
import { platformTopic, type StartFrom, type Subscription, type TopicBus, type TopicPartition } from '@tide/topics';
import type { EngineDeps } from '../engine.js';
import { PartitionWorker } from './partition-worker.js';
import { RecordDelivery } from './record-delivery.js';
import type { RetryJournal } from './retry-journal.js';
import type { TriggerLabels, TriggerMetrics } from './telemetry.js';

export interface TopicLag {
  topic: string;
  lag: number;
  /** Partitions with lag. */
  partitions: number;
  /** Distinct keys waiting in the windows. */
  keys: number;
}

export interface ConsumerOptions {
  deps: EngineDeps;
  bus: TopicBus;
  journal: RetryJournal;
  metrics: TriggerMetrics;
  drainMs: number;
}

export class TriggerConsumer {
  readonly labels: TriggerLabels;
  readonly #trigger: Trigger;
  readonly #options: ConsumerOptions;
  readonly #workers = new Map<string, PartitionWorker>();
  readonly #physical: string[];
  readonly #userTopics = new Map<string, string>();
  #subscription: Subscription | undefined;
  #stopping = false;

  constructor(trigger: Trigger, options: ConsumerOptions) {
    this.#trigger = trigger;
    this.#options = options;
    this.labels = { namespace: trigger.metadata.namespace, trigger: trigger.metadata.name };
    const spec = trigger.spec.kafka!;
    const external = spec.brokers !== undefined;
    this.#physical = spec.topics.map((t) => (external ? t : platformTopic(this.labels.namespace, t)));
    spec.topics.forEach((t, i) => this.#userTopics.set(this.#physical[i]!, t));
  }

  get function(): string {
    return this.#trigger.spec.function;
  }

  get ordering(): string {
    return this.#trigger.spec.kafka!.ordering;
  }

  async start(): Promise<void> {
    const { deps, bus, journal, metrics, drainMs } = this.#options;
    const spec = this.#trigger.spec.kafka!;
    const external = spec.brokers !== undefined;
    const group = consumerGroupOf(this.labels.namespace, this.labels.trigger, spec);
    const delivery = new RecordDelivery(
      {
        labels: this.labels,
        function: this.#trigger.spec.function,
        delivery: this.#trigger.spec.delivery,
        spec,
        bus,
        external,
        userTopic: (physical) => this.#userTopics.get(physical) ?? physical,
        ...(spec.deadLetterTopic === undefined
          ? {}
          : { deadLetterTopic: external ? spec.deadLetterTopic : platformTopic(this.labels.namespace, spec.deadLetterTopic) }),
      },
      deps,
      metrics,
    );
    const key = (tp: TopicPartition) => `${tp.topic}/${tp.partition}`;
    const uid = this.#trigger.metadata.uid;
    this.#subscription = await bus.subscribe({
      group,
      topics: this.#physical,
      startFrom: startOf(this.#trigger),
      maxBatch: Math.max(spec.batchSize * spec.maxInFlight, 100),
      handler: {
        assigned: (partitions) => {
          if (this.#stopping) return;
          for (const tp of partitions) {
            if (this.#workers.has(key(tp))) continue;
            const worker = new PartitionWorker(
              {
                labels: this.labels,
                uid,
                group,
                spec,
                delivery,
                journal,
                metrics,
                deps,
                drainMs,
                commit: (next) => this.#subscription?.commit(tp, next) ?? Promise.resolve(false),
                committed: () => this.#committed(tp),
              },
              tp,
            );
            this.#workers.set(key(tp), worker);
          }
        },
        revoked: async (partitions) => {
          await Promise.all(
            partitions.map(async (tp) => {
              const worker = this.#workers.get(key(tp));
              this.#workers.delete(key(tp));
              await worker?.drain();
            }),
          );
        },
        records: async (batch) => {
          const first = batch[0];
          if (!first) return;
          const worker = this.#workers.get(key(first));
          if (worker) await worker.take(batch);
          // Not taken, so not committed: the partition's next owner reads these again.
          else if (!this.#stopping)
            deps.onError(new Error(`trigger ${this.labels.namespace}/${this.labels.trigger}: records of ${key(first)}, which is not assigned here`));
        },
      },
    });
  }

  /** The subscription may call `assigned` before `subscribe` resolves: wait for it to be known. */
  async #committed(tp: TopicPartition): Promise<number | undefined> {
    for (let i = 0; i < 1000 && !this.#subscription; i++) await new Promise((r) => setImmediate(r));
    return this.#subscription?.committed(tp);
  }

  /** Records not done per topic on the partitions assigned here. */
  async lag(): Promise<TopicLag[]> {
    const lags: TopicLag[] = [];
    for (const topic of this.#physical) {
      const infos = await this.#options.bus.describe(topic);
      let lag = 0;
      let partitions = 0;
      let keys = 0;
      for (const info of infos) {
        const worker = this.#workers.get(`${topic}/${info.partition}`);
        if (!worker) continue;
        const behind = Math.max(0, info.endOffset - (worker.position() ?? info.endOffset));
        lag += behind;
        if (behind > 0) partitions++;
        keys += worker.pendingKeys();
      }
      lags.push({ topic: this.#userTopics.get(topic) ?? topic, lag, partitions, keys });
    }
    return lags;
  }

  /** Drains every partition, then leaves the group. */
  async stop(): Promise<void> {
    this.#stopping = true;
    const workers = [...this.#workers.values()];
    this.#workers.clear();
    await Promise.all(workers.map((w) => w.drain()));
    await this.#subscription?.stop();
  }
}

/**
 * Where the trigger's group starts when it has committed nothing. `latest` means the records
 * published after the trigger was created, not after this process subscribed: a user who applies a
 * trigger and publishes at once must not lose the record to the moment the subscription took.
 */
export function startOf(trigger: Trigger): StartFrom {
  if (trigger.spec.kafka!.startFrom === 'earliest') return 'earliest';
  const created = Date.parse(trigger.metadata.creationTimestamp);
  return Number.isNaN(created) ? 'latest' : { timestamp: created };
}
