import { context, propagation, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator, CompositePropagator, W3CBaggagePropagator } from '@opentelemetry/core';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { queuedIdGenerator } from './queued-id-generator.js';
import { serviceNameOf } from './service-name.js';

export interface Telemetry {
  /** True when spans are exported (an OTEL_* exporter is configured). */
  exporting: boolean;
  shutdown(): Promise<void>;
}

/** The standard OTEL_* variables that turn exporting on. */
export function exporterConfigured(env: Readonly<Record<string, string | undefined>>): boolean {
  if (env.OTEL_SDK_DISABLED === 'true') return false;
  const traces = env.OTEL_TRACES_EXPORTER;
  if (traces !== undefined) return traces !== 'none' && traces !== '';
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * Sets up OpenTelemetry for one process from the standard OTEL_* variables. Without an exporter,
 * W3C trace context still propagates (the propagator), so a trace started upstream continues
 * through Tide even when this process exports nothing. No context manager then: Tide passes
 * contexts explicitly, and AsyncLocalStorage would tax every async step of the proxy's hot path.
 */
export function startTelemetry(options: { serviceName: string; env: Readonly<Record<string, string | undefined>> }): Telemetry {
  if (exporterConfigured(options.env)) {
    const sdk = new NodeSDK({
      serviceName: serviceNameOf(options.serviceName, options.env),
      instrumentations: [],
      // The queued id generator lets a span recorded for a pod keep the id the pod chose (finished-span.ts).
      idGenerator: queuedIdGenerator,
      // startMetrics owns the meter provider (/metrics and OTLP push): one the SDK registered first
      // would take every instrument, leaving /metrics empty.
      metricReaders: [],
    });
    sdk.start();
    return { exporting: true, shutdown: () => sdk.shutdown() };
  }
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  return {
    exporting: false,
    async shutdown() {
      propagation.disable();
    },
  };
}

/** The W3C traceparent of the active span, to carry a trace across the event log. */
export function currentTraceparent(ctx: Context = context.active()): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier.traceparent;
}

/** The context a traceparent (from a header or a logged event) continues. */
export function contextFromTraceparent(traceparent: string | undefined): Context {
  return traceparent ? propagation.extract(context.active(), { traceparent }) : context.active();
}

/** Runs `fn` in a new span, ending it (with the error recorded) when `fn` settles. */
export async function inSpan<T>(tracer: Tracer, name: string, fn: (span: Span) => Promise<T>, parent: Context = context.active()): Promise<T> {
  return tracer.startActiveSpan(name, {}, parent, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: 2, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}
