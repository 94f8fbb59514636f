import { RandomIdGenerator, type IdGenerator } from '@opentelemetry/sdk-trace-base';

/** An IdGenerator that can be told the next span id. */
export interface QueuedIdGenerator extends IdGenerator {
  /** The id the next generateSpanId returns (once); undefined forgets a queued one. */
  queueSpanId(spanId: string | undefined): void;
}

/**
 * The SDK picks a span's id itself, through its IdGenerator. A span recorded for someone else (a
 * pod's invoke span, whose id the pod chose and handed to its function as a parent) needs its id
 * kept: queue it just before startSpan, which asks for exactly one span id, synchronously.
 * Otherwise ids are random, as the SDK's own.
 */
export function createQueuedIdGenerator(random: IdGenerator = new RandomIdGenerator()): QueuedIdGenerator {
  let queued: string | undefined;
  return {
    queueSpanId(spanId) {
      queued = spanId;
    },
    generateSpanId() {
      const spanId = queued ?? random.generateSpanId();
      queued = undefined;
      return spanId;
    },
    generateTraceId: () => random.generateTraceId(),
  };
}

/** This process's: startTelemetry gives it to the SDK, recordFinishedSpan queues ids on it. */
export const queuedIdGenerator: QueuedIdGenerator = createQueuedIdGenerator();
