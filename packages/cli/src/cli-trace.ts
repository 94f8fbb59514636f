/**
 * A CLI command as the root of a trace, when the standard OTEL_* variables configure an exporter
 * (as the processes read them): `tide deploy` with OTEL_EXPORTER_OTLP_ENDPOINT set is one span,
 * and every API request it makes sends its `traceparent`, so the deploy's trace runs from the
 * command through the API, the log, the controllers and the node (design §8). Without an exporter
 * nothing is loaded: the OpenTelemetry SDK costs a command ~100 ms to import.
 */
let traceparent: string | undefined;

/** `traceparent` for the API requests of the command being run, if it is traced. */
export function cliTraceHeaders(): Record<string, string> {
  return traceparent === undefined ? {} : { traceparent };
}

/** Starts the command's span; the returned function ends it and flushes the exporter. */
export async function startCliTrace(command: string, env: NodeJS.ProcessEnv): Promise<() => Promise<void>> {
  // Only a variable that can turn exporting on is worth loading the SDK for; exporterConfigured has the exact rule.
  if (!env.OTEL_TRACES_EXPORTER && !env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return async () => {};
  const { exporterConfigured, startTelemetry } = await import('@tide/telemetry');
  if (!exporterConfigured(env)) return async () => {};
  const { SpanKind, context, propagation, trace } = await import('@opentelemetry/api');
  const telemetry = startTelemetry({ serviceName: 'tide-cli', env });
  const span = trace
    .getTracer('tide-cli')
    .startSpan(`tide ${command}`, { kind: SpanKind.CLIENT, attributes: { 'process.command': 'tide', 'tide.command': command } });
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(context.active(), span), carrier);
  traceparent = carrier.traceparent;
  return async () => {
    span.end();
    traceparent = undefined;
    await telemetry.shutdown();
  };
}
