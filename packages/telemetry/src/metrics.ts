import type { IncomingMessage, ServerResponse } from 'node:http';
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

export interface MetricsEndpoint {
  /** Answers GET /metrics in Prometheus' text format. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  shutdown(): Promise<void>;
}

/**
 * Every Tide process serves its metrics for Prometheus on its own port at /metrics (design §8):
 * instruments are created with @opentelemetry/api in the packages; this registers the provider
 * that collects them, with no server of its own.
 */
export function startMetrics(): MetricsEndpoint {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [exporter] });
  metrics.setGlobalMeterProvider(provider);
  return {
    handle: (req, res) => exporter.getMetricsRequestHandler(req, res),
    async shutdown() {
      await provider.shutdown();
      metrics.disable();
    },
  };
}
