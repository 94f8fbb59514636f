export { startTelemetry, exporterConfigured, currentTraceparent, contextFromTraceparent, inSpan, type Telemetry } from './telemetry.js';
export { startMetrics, type MetricsEndpoint } from './metrics.js';
