/**
 * How one trigger's records reach its function through the Dispatcher: a Workers queue batch
 * (delivery `handler`, or `auto` while the latest revision is not known to lack a `queue` handler) or one
 * binary-mode CloudEvent per record; each call under a CONSUMER span whose context the call carries.
 * Also where a given-up record goes: the dead-letter topic, or dropped and counted.
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import type { DeliveryMode, KafkaTriggerSpec } from '@tide/core';
import type { ConsumedRecord, TopicBus } from '@tide/topics';
import type { DeliveryResult } from '../dispatcher.js';
import type { EngineDeps } from '../engine.js';
import { deadLetterRecord } from './core/dead-letter-record.js';
import { messageAnswers, type MessageAnswer } from './core/queue-answer.js';
import { cloudEventOf, headerOf, queueMessageOf, recordId, type RecordSource } from './core/record-shapes.js';
import { classifyStatus } from './core/retry-policy.js';
import { tracer, type TriggerLabels, type TriggerMetrics } from './telemetry.js';

export interface RecordAnswer extends MessageAnswer {
  /** What went wrong, for the dead letter's `tide-dlq-error`. */
  error?: string;
}

export interface TriggerTarget {
  labels: TriggerLabels;
  function: string;
  delivery: DeliveryMode;
  spec: KafkaTriggerSpec;
  /** The bus the trigger reads (its dead letters go there too). */
  bus: TopicBus;
  external: boolean;
  /** The topic as the user named it, from its physical name. */
  userTopic(physical: string): string;
  /** The dead-letter topic's physical name, if the trigger has one. */
  deadLetterTopic?: string;
}

export class RecordDelivery {
  /**
   * With delivery `auto`, the function's latest revision when it turned out to have no queue
   * handler: CloudEvents go to its fetch until a deploy makes another revision the latest (the new
   * module may export `queue`), then the queue handler is asked again.
   */
  #noQueueHandlerIn: string | undefined;

  constructor(
    private readonly target: TriggerTarget,
    private readonly deps: EngineDeps,
    private readonly metrics: TriggerMetrics,
  ) {}

  /** Records per call: a queue batch holds up to batchSize, a CloudEvent one. */
  batchSize(): number {
    return this.#queueMode() ? this.target.spec.batchSize : 1;
  }

  /** Delivers records of one partition (distinct keys under key ordering), answering per offset. */
  async deliver(records: readonly ConsumedRecord[], failedBefore: (offset: number) => number, signal: AbortSignal): Promise<Map<number, RecordAnswer>> {
    if (this.#queueMode()) {
      // The revision before the call: one deployed while the call ran must still be asked.
      const revision = this.#latestRevision();
      const answers = await this.#deliverBatch(records, failedBefore, signal);
      if (answers) return answers;
      // Several partitions' batches may learn it at once: say it once.
      if (this.#noQueueHandlerIn === undefined) {
        this.deps.report(
          `trigger ${this.#name()}: ${this.target.function} (${revision || 'no revision'}) has no queue handler, delivering CloudEvents to its fetch`,
        );
      }
      this.#noQueueHandlerIn = revision;
    }
    const each = await Promise.all(records.map(async (r) => [r.offset, await this.#deliverCloudEvent(r, signal)] as const));
    return new Map(each);
  }

  /** Undefined when the module has no queue handler and delivery is `auto` (fall back to CloudEvents). */
  async #deliverBatch(
    records: readonly ConsumedRecord[],
    failedBefore: (offset: number) => number,
    signal: AbortSignal,
  ): Promise<Map<number, RecordAnswer> | undefined> {
    const first = records[0]!;
    const topic = this.target.userTopic(first.topic);
    const messages = records.map((r) => queueMessageOf(r, topic, failedBefore(r.offset)));
    const result = await this.#call(records, 'queue', { 'content-type': 'application/json' }, JSON.stringify({ queue: topic, messages }), signal);
    if (result.answer?.noHandler && this.target.delivery === 'auto') return undefined;
    const byId = messageAnswers(
      messages.map((m) => m.id),
      result.answer?.status,
      result.answer?.body,
    );
    return new Map(
      records.map((r, i) => {
        const answer = byId.get(messages[i]!.id)!;
        const error = result.error ?? (answer.answer === 'success' ? undefined : `${this.target.function}'s queue handler retried message ${messages[i]!.id}`);
        return [r.offset, { ...answer, ...(error ? { error } : {}) }];
      }),
    );
  }

  async #deliverCloudEvent(record: ConsumedRecord, signal: AbortSignal): Promise<RecordAnswer> {
    const source: RecordSource = { ...this.target.labels, topic: this.target.userTopic(record.topic), external: this.target.external };
    const event = cloudEventOf(source, record);
    const result = await this.#call([record], 'http', event.headers, event.body, signal);
    return { answer: classifyStatus(result.answer?.status), ...(result.error ? { error: result.error } : {}) };
  }

  /** One call under a CONSUMER span continuing the first record's trace. */
  async #call(records: readonly ConsumedRecord[], kind: 'queue' | 'http', headers: Record<string, string>, body: Uint8Array | string, signal: AbortSignal) {
    const first = records[0]!;
    const topic = this.target.userTopic(first.topic);
    const parent = extractParent(first.headers);
    const span = tracer.startSpan(
      `process ${topic}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'process',
          'messaging.destination.name': topic,
          'messaging.destination.partition.id': String(first.partition),
          'messaging.kafka.offset': first.offset,
          'messaging.batch.message_count': records.length,
          'messaging.consumer.group.name': this.target.spec.consumerGroup ?? `tide-trigger.${this.target.labels.namespace}.${this.target.labels.trigger}`,
          ...(first.key === null ? {} : { 'messaging.kafka.message.key': first.key }),
          'tide.namespace': this.target.labels.namespace,
          'tide.function': this.target.function,
        },
      },
      parent,
    );
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(parent, span), carrier);
    const traceparent = carrier.traceparent ?? headerOf(first.headers, 'traceparent');
    const tracestate = carrier.tracestate ?? headerOf(first.headers, 'tracestate');
    const trace_ = { ...(traceparent ? { traceparent } : {}), ...(tracestate ? { tracestate } : {}) };
    const started = this.deps.clock.now();
    try {
      const answer: DeliveryResult = await context.with(trace.setSpan(parent, span), () =>
        this.deps.dispatcher.deliver({
          namespace: this.target.labels.namespace,
          function: this.target.function,
          kind,
          headers: { ...headers, ...trace_ },
          body,
          signal,
        }),
      );
      span.setAttribute('http.response.status_code', answer.status);
      const ok = answer.status >= 200 && answer.status < 300;
      if (!ok) span.setStatus({ code: SpanStatusCode.ERROR, message: `status ${answer.status}` });
      return { answer, ...(ok ? {} : { error: `${this.target.function} answered ${answer.status}: ${textOf(answer.body)}` }) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message });
      return { answer: undefined, error: `no answer from ${this.target.function}: ${message}` };
    } finally {
      span.end();
      this.metrics.callSeconds(this.target.labels, (this.deps.clock.now() - started) / 1000);
    }
  }

  /** Sends a given-up record to the dead-letter topic; false when that failed (the record is retried). */
  async deadLetter(record: ConsumedRecord, error: string, attempts: number): Promise<boolean> {
    const topic = this.target.userTopic(record.topic);
    const where = recordId(topic, record.partition, record.offset);
    if (this.target.deadLetterTopic === undefined) {
      this.metrics.deadLettered(this.target.labels, true);
      this.deps.report(`trigger ${this.#name()}: dropped record ${where} after ${attempts} attempt(s), no deadLetterTopic: ${error}`);
      return true;
    }
    try {
      await this.target.bus.publish(this.target.deadLetterTopic, [deadLetterRecord(record, { error, topic, attempts })]);
      this.metrics.deadLettered(this.target.labels, false);
      return true;
    } catch (cause) {
      this.deps.onError(new Error(`trigger ${this.#name()}: could not dead-letter ${where} to ${this.target.deadLetterTopic}: ${String(cause)}`, { cause }));
      return false;
    }
  }

  #queueMode(): boolean {
    if (this.target.delivery === 'cloudevent') return false;
    if (this.#noQueueHandlerIn === undefined) return true;
    const latest = this.#latestRevision();
    if (latest === this.#noQueueHandlerIn) return false;
    this.deps.report(`trigger ${this.#name()}: ${this.target.function} has a new latest revision ${latest || '(none)'}, asking its queue handler again`);
    this.#noQueueHandlerIn = undefined;
    return true;
  }

  /** '' when the function is gone (then it has no revision to compare). */
  #latestRevision(): string {
    const { namespace } = this.target.labels;
    return this.deps.store.state().functions.get(`${namespace}/${this.target.function}`)?.status.latestRevision ?? '';
  }

  #name(): string {
    return `${this.target.labels.namespace}/${this.target.labels.trigger}`;
  }
}

function extractParent(headers: Record<string, string>): Context {
  const carrier: Record<string, string> = {};
  const traceparent = headerOf(headers, 'traceparent');
  const tracestate = headerOf(headers, 'tracestate');
  if (traceparent) carrier.traceparent = traceparent;
  if (tracestate) carrier.tracestate = tracestate;
  return propagation.extract(ROOT_CONTEXT, carrier);
}

function textOf(body: Uint8Array): string {
  return new TextDecoder().decode(body.subarray(0, 300));
}
