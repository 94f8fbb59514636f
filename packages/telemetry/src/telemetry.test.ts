import { describe, expect, it } from 'vitest';
import { context, trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { contextFromTraceparent, currentTraceparent, exporterConfigured, startTelemetry } from './telemetry.js';

describe('telemetry', () => {
  it('exports only when an OTEL exporter is configured', () => {
    expect(exporterConfigured({})).toBe(false);
    expect(exporterConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(exporterConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    expect(exporterConfigured({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
    expect(exporterConfigured({ OTEL_TRACES_EXPORTER: 'console', OTEL_SDK_DISABLED: 'true' })).toBe(false);
  });

  it('carries a trace through a traceparent string, as events on the log do', async () => {
    const telemetry = startTelemetry({ serviceName: 'test', env: {} });
    const incoming = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const parent = contextFromTraceparent(incoming);
    expect(currentTraceparent(parent)).toBe(incoming);
    const tracer = new BasicTracerProvider().getTracer('test');
    const span = tracer.startSpan('child', {}, parent);
    const child = currentTraceparent(trace.setSpan(context.active(), span));
    expect(child?.split('-')[1]).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(child?.split('-')[2]).not.toBe('b7ad6b7169203331');
    span.end();
    await telemetry.shutdown();
  });
});
