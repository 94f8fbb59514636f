import { context, propagation, type Context } from '@opentelemetry/api';
import { W3CTraceContextPropagator, CompositePropagator, W3CBaggagePropagator } from '@opentelemetry/core';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { CallStackContextManager } from './call-stack-context-manager.js';
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
 * through Tide even when this process exports nothing. Tide passes contexts explicitly: the
 * context manager is not the SDK's AsyncLocalStorage one, which would tax every async step of the
 * proxy's hot path (see CallStackContextManager), and none at all without an exporter.
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
      contextManager: new CallStackContextManager(),
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
