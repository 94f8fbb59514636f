import { propagation, SpanKind, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { platformTopic } from '@tide/topics';
import { eventually } from '@tide/testkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery } from '../dispatcher.js';
import { ok, openHarness } from './testing/engine-harness.js';

const exporter = new InMemorySpanExporter();
beforeAll(() => {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});
afterAll(() => {
  trace.disable();
  propagation.disable();
});

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PRODUCER_SPAN = 'b7ad6b7169203331';

describe('a delivery, with a registered SDK', () => {
  it("is a CONSUMER span in the producer's trace, and the call carries that span's context", async () => {
    const seen: Delivery[] = [];
    const harness = await openHarness((d) => {
      seen.push(d);
      return ok();
    });
    try {
      await harness.applyFunction('orders');
      await harness.applyTrigger('orders', { function: 'orders', delivery: 'cloudevent', kafka: { topics: ['orders'], startFrom: 'earliest' } });
      await harness.bus.publish(platformTopic('default', 'orders'), [
        { key: 'k1', value: 'v', headers: { traceparent: `00-${TRACE_ID}-${PRODUCER_SPAN}-01` } },
      ]);
      await harness.start();
      await eventually(() => expect(exporter.getFinishedSpans()).toHaveLength(1));
      const [span] = exporter.getFinishedSpans();
      expect(span!.kind).toBe(SpanKind.CONSUMER);
      expect(span!.spanContext().traceId).toBe(TRACE_ID);
      expect(span!.parentSpanContext?.spanId).toBe(PRODUCER_SPAN);
      expect(span!.attributes).toMatchObject({
        'messaging.system': 'kafka',
        'messaging.destination.name': 'orders',
        'messaging.kafka.message.key': 'k1',
        'messaging.kafka.offset': 0,
      });
      expect(seen[0]!.headers.traceparent).toBe(`00-${TRACE_ID}-${span!.spanContext().spanId}-01`);
    } finally {
      await harness.close();
    }
  });
});
