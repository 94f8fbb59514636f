import { OTLPMetricExporter as OtlpGrpcExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as OtlpJsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import {
  AggregationTemporality,
  ConsoleMetricExporter,
  InstrumentType,
  PeriodicExportingMetricReader,
  type MetricProducer,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import type { MetricExportConfig } from './metric-export-config.js';

/** The readers that push metrics where the OTEL_* variables say (none by default). */
/** `metricProducers`: metrics made outside the SDK's instruments (series-histograms.ts), pushed with them. */
export function pushReaders(config: MetricExportConfig, metricProducers: MetricProducer[]): PeriodicExportingMetricReader[] {
  const exporters: PushMetricExporter[] = [];
  if (config.otlp) exporters.push(otlpExporter(config.otlp));
  if (config.console) exporters.push(new ConsoleMetricExporter());
  return exporters.map(
    (exporter) =>
      new PeriodicExportingMetricReader({
        exporter: currentGauges(exporter),
        exportIntervalMillis: config.intervalMs,
        exportTimeoutMillis: config.timeoutMs,
        metricProducers,
      }),
  );
}

function otlpExporter(otlp: NonNullable<MetricExportConfig['otlp']>): PushMetricExporter {
  const options = otlp.url === undefined ? {} : { url: otlp.url };
  if (otlp.protocol === 'grpc') return new OtlpGrpcExporter(options);
  if (otlp.protocol === 'http/json') return new OtlpJsonExporter(options);
  return new OtlpProtobufExporter(options);
}

/**
 * An exporter that sends observable gauges as deltas, as /metrics does (see CurrentGaugeExporter in
 * metrics.ts): a cumulative gauge keeps every attribute set it ever observed, so a receiver would go
 * on getting the pods of a function deleted long ago at their last value.
 */
function currentGauges(exporter: PushMetricExporter): PushMetricExporter {
  return {
    export: (metrics, done) => exporter.export(metrics, done),
    forceFlush: () => exporter.forceFlush(),
    shutdown: () => exporter.shutdown(),
    selectAggregationTemporality: (type: InstrumentType) =>
      type === InstrumentType.OBSERVABLE_GAUGE
        ? AggregationTemporality.DELTA
        : (exporter.selectAggregationTemporality?.(type) ?? AggregationTemporality.CUMULATIVE),
    ...(exporter.selectAggregation ? { selectAggregation: exporter.selectAggregation.bind(exporter) } : {}),
  };
}
