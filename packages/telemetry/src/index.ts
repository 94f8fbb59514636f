export { startTelemetry, exporterConfigured, currentTraceparent, contextFromTraceparent, type Telemetry } from './telemetry.js';
export { startMetrics, type MetricsEndpoint, type MetricsOptions } from './metrics.js';
export { createQueuedIdGenerator, queuedIdGenerator, type QueuedIdGenerator } from './queued-id-generator.js';
export { recordFinishedSpan, type FinishedSpan } from './finished-span.js';
export { MetricExportConfigError, metricExportConfig, type MetricExportConfig } from './metric-export-config.js';
export { seriesHistogram, type SeriesHistogram, type HistogramSeries, type SeriesHistogramOptions } from './series-histograms.js';
