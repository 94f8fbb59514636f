export { startTelemetry, exporterConfigured, currentTraceparent, contextFromTraceparent, inSpan, type Telemetry } from './telemetry.js';
export { startMetrics, type MetricsEndpoint, type MetricsOptions } from './metrics.js';
export { MetricExportConfigError, metricExportConfig, type MetricExportConfig } from './metric-export-config.js';
