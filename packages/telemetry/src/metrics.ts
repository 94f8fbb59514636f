import type { IncomingMessage, ServerResponse } from 'node:http';
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { AggregationTemporality, InstrumentType, MeterProvider } from '@opentelemetry/sdk-metrics';
import { resources } from '@opentelemetry/sdk-node';
import { metricExportConfig } from './metric-export-config.js';
import { pushReaders } from './metric-push.js';
import { SeriesHistograms, setGlobalSeriesHistograms } from './series-histograms.js';
import { serviceNameOf } from './service-name.js';

export interface MetricsEndpoint {
  /** Answers GET /metrics in Prometheus' text format. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  shutdown(): Promise<void>;
}

export interface MetricsOptions {
  /** This process's service, reported as target_info's service_name: tide-control-plane, tide-gateway, tide-node or tide-up. */
  serviceName: string;
  /**
   * The process's environment: OTEL_SERVICE_NAME, when set, names the service instead;
   * OTEL_METRICS_EXPORTER / OTEL_EXPORTER_OTLP_* push the same metrics over OTLP as well.
   */
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * The Prometheus exporter, with observable gauges collected as deltas. The exporter's fixed
 * cumulative temporality keeps every attribute set a gauge's callback ever observed, so a function
 * scaled to zero or deleted went on being reported at its last value (Prometheus summed 11 pods
 * where 8 existed). A gauge's delta is simply its value now, and holds only the series observed in
 * this collection. Counters and histograms stay cumulative, as Prometheus expects. (An observable
 * up-down counter would still keep vanished series: report what exists now with a gauge.)
 */
class CurrentGaugeExporter extends PrometheusExporter {
  override selectAggregationTemporality(instrumentType: InstrumentType): AggregationTemporality {
    if (instrumentType === InstrumentType.OBSERVABLE_GAUGE) return AggregationTemporality.DELTA;
    return super.selectAggregationTemporality(instrumentType);
  }
}

/**
 * Every Tide process serves its metrics for Prometheus on its own port at /metrics (design §8):
 * instruments are created with @opentelemetry/api in the packages; this registers the provider
 * that collects them, with no server of its own, and pushes them over OTLP too when the OTEL_*
 * variables say so (metric-export-config.ts). Throws MetricExportConfigError naming a variable set
 * to something the spec does not allow.
 */
export function startMetrics(options: MetricsOptions): MetricsEndpoint {
  const serviceName = serviceNameOf(options.serviceName, options.env);
  // Histograms recorded by bound series (series-histograms.ts) reach every reader beside the SDK's instruments.
  const histograms = new SeriesHistograms();
  const push = pushReaders(metricExportConfig(options.env), [histograms]);
  const exporter = new CurrentGaugeExporter({ preventServerStart: true, metricProducers: [histograms] });
  // The default resource carries the SDK's attributes; ours adds the service's name over its "unknown_service".
  const resource = resources.defaultResource().merge(resources.resourceFromAttributes({ 'service.name': serviceName }));
  const provider = new MeterProvider({ resource, readers: [exporter, ...push] });
  metrics.setGlobalMeterProvider(provider);
  setGlobalSeriesHistograms(histograms);
  return {
    handle: (req, res) => exporter.getMetricsRequestHandler(req, res),
    async shutdown() {
      await provider.shutdown();
      metrics.disable();
      setGlobalSeriesHistograms(undefined);
    },
  };
}
