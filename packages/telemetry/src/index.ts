export { startTelemetry, exporterConfigured, currentTraceparent, contextFromTraceparent, inSpan, type Telemetry } from './telemetry.js';
