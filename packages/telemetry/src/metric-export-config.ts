/** Where a process pushes its metrics besides serving them at /metrics, from the standard OTEL_* variables. */
export interface MetricExportConfig {
  /** OTLP push; absent = none. `url` absent = the exporter's own default (localhost:4318 or :4317). */
  otlp?: { protocol: OtlpProtocol; url?: string };
  /** OTEL_METRICS_EXPORTER lists `console`: print each export (for debugging). */
  console: boolean;
  /** OTEL_METRIC_EXPORT_INTERVAL / OTEL_METRIC_EXPORT_TIMEOUT, in ms (the spec's defaults: 60 s and 30 s). */
  intervalMs: number;
  timeoutMs: number;
}

export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';

/** A variable set to something OpenTelemetry's spec does not allow; names it and what it may be. */
export class MetricExportConfigError extends Error {
  /** A usage error, as a bad flag is: the CLI exits 2 with this message. */
  readonly exitCode = 2;

  constructor(
    readonly variable: string,
    readonly value: string,
    readonly allowed: string,
  ) {
    super(`${variable}=${JSON.stringify(value)}: must be ${allowed}`);
    this.name = 'MetricExportConfigError';
  }
}

const EXPORTERS = ['otlp', 'prometheus', 'console', 'none'] as const;
const PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json', 'grpc'];

/**
 * What the OTEL_* variables ask for. /metrics is always served (Prometheus pulls it), so
 * `prometheus` in OTEL_METRICS_EXPORTER adds nothing; `otlp` pushes too. With OTEL_METRICS_EXPORTER
 * unset, an OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT or _METRICS_ENDPOINT) turns pushing on, as it
 * does for traces: the spec's default `otlp` would otherwise push to localhost from every process
 * that sets nothing.
 */
export function metricExportConfig(env: Readonly<Record<string, string | undefined>>): MetricExportConfig {
  const intervalMs = milliseconds(env, 'OTEL_METRIC_EXPORT_INTERVAL', 60_000);
  // The timeout never outlasts the interval: an export still running when the next is due is abandoned.
  const timeoutMs = Math.min(milliseconds(env, 'OTEL_METRIC_EXPORT_TIMEOUT', 30_000), intervalMs);
  const none: MetricExportConfig = { console: false, intervalMs, timeoutMs };
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return none;
  const listed = exportersListed(env.OTEL_METRICS_EXPORTER);
  const endpoint = env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const otlp = listed ? listed.includes('otlp') : Boolean(endpoint);
  if (listed?.includes('none')) return none;
  if (!otlp) return { ...none, console: listed?.includes('console') ?? false };
  const protocol = protocolOf(env);
  return { ...none, console: listed?.includes('console') ?? false, otlp: { protocol, ...urlOf(env, protocol) } };
}

/** OTEL_METRICS_EXPORTER as a list, or undefined when unset or empty. */
function exportersListed(raw: string | undefined): (typeof EXPORTERS)[number][] | undefined {
  const names = (raw ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  if (names.length === 0) return undefined;
  const unknown = names.find((name) => !(EXPORTERS as readonly string[]).includes(name));
  if (unknown !== undefined) throw new MetricExportConfigError('OTEL_METRICS_EXPORTER', raw!, `a comma-separated list of ${EXPORTERS.join(', ')}`);
  return names as (typeof EXPORTERS)[number][];
}

function protocolOf(env: Readonly<Record<string, string | undefined>>): OtlpProtocol {
  const variable = env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL?.trim() ? 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const raw = env[variable]?.trim() || 'http/protobuf';
  if (!(PROTOCOLS as readonly string[]).includes(raw)) throw new MetricExportConfigError(variable, raw, PROTOCOLS.join(', '));
  return raw as OtlpProtocol;
}

/**
 * The spec's rule: a signal's own endpoint is used as given; the general one gets `/v1/metrics`
 * appended over HTTP (http://collector:4318 → http://collector:4318/v1/metrics), and is used as
 * given over gRPC.
 */
function urlOf(env: Readonly<Record<string, string | undefined>>, protocol: OtlpProtocol): { url?: string } {
  const own = env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT?.trim();
  if (own) return { url: checkedUrl('OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', own) };
  const general = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!general) return {};
  const base = checkedUrl('OTEL_EXPORTER_OTLP_ENDPOINT', general);
  return { url: protocol === 'grpc' ? base : `${base.replace(/\/+$/, '')}/v1/metrics` };
}

function checkedUrl(variable: string, raw: string): string {
  if (!URL.canParse(raw) || !/^https?:$/.test(new URL(raw).protocol))
    throw new MetricExportConfigError(variable, raw, 'an http(s) URL such as http://collector:4318');
  return raw;
}

function milliseconds(env: Readonly<Record<string, string | undefined>>, variable: string, fallback: number): number {
  const raw = env[variable]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new MetricExportConfigError(variable, raw, 'a whole number of milliseconds above 0');
  return value;
}
