import { describe, expect, it } from 'vitest';
import { MetricExportConfigError, metricExportConfig } from './metric-export-config.js';

const defaults = { console: false, intervalMs: 60_000, timeoutMs: 30_000 };

describe('metricExportConfig: what the OTEL_* variables ask for besides /metrics', () => {
  it.each([
    ['nothing set: no push', {}, defaults],
    [
      'an OTLP endpoint alone: push over http/protobuf to its /v1/metrics',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' },
      { ...defaults, otlp: { protocol: 'http/protobuf', url: 'http://collector:4318/v1/metrics' } },
    ],
    [
      'the metrics endpoint is used as given, before the general one',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://b:9999/m' },
      { ...defaults, otlp: { protocol: 'http/protobuf', url: 'http://b:9999/m' } },
    ],
    ['otlp listed without an endpoint: the exporter’s own default', { OTEL_METRICS_EXPORTER: 'otlp' }, { ...defaults, otlp: { protocol: 'http/protobuf' } }],
    [
      'grpc takes the general endpoint as given',
      { OTEL_METRICS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317' },
      { ...defaults, otlp: { protocol: 'grpc', url: 'http://c:4317' } },
    ],
    [
      'the metrics protocol wins over the general one',
      { OTEL_METRICS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json' },
      { ...defaults, otlp: { protocol: 'http/json' } },
    ],
    [
      'prometheus only: /metrics, no push, even with an endpoint',
      { OTEL_METRICS_EXPORTER: 'prometheus', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318' },
      defaults,
    ],
    ['none: no push', { OTEL_METRICS_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318' }, defaults],
    ['the SDK disabled: no push', { OTEL_SDK_DISABLED: 'true', OTEL_METRICS_EXPORTER: 'otlp' }, defaults],
    [
      'console, with interval and timeout',
      { OTEL_METRICS_EXPORTER: 'console', OTEL_METRIC_EXPORT_INTERVAL: '1000', OTEL_METRIC_EXPORT_TIMEOUT: '500' },
      { console: true, intervalMs: 1000, timeoutMs: 500 },
    ],
    ['a timeout past the interval is cut to it', { OTEL_METRIC_EXPORT_INTERVAL: '1000' }, { ...defaults, intervalMs: 1000, timeoutMs: 1000 }],
  ])('%s', (_, env, expected) => {
    expect(metricExportConfig(env)).toEqual(expected);
  });

  it.each([
    [{ OTEL_METRICS_EXPORTER: 'otlp,zipkin' }, 'OTEL_METRICS_EXPORTER="otlp,zipkin": must be a comma-separated list of otlp, prometheus, console, none'],
    [{ OTEL_METRICS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'udp' }, 'OTEL_EXPORTER_OTLP_PROTOCOL="udp": must be http/protobuf, http/json, grpc'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, 'OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318": must be an http(s) URL such as http://collector:4318'],
    [{ OTEL_METRIC_EXPORT_INTERVAL: '1s' }, 'OTEL_METRIC_EXPORT_INTERVAL="1s": must be a whole number of milliseconds above 0'],
  ])('refuses %o, naming the variable', (env, message) => {
    expect(() => metricExportConfig(env)).toThrow(MetricExportConfigError);
    expect(() => metricExportConfig(env)).toThrow(message);
  });
});
