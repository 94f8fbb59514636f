import { SpanKind, trace, type SpanOptions, type TextMapSetter } from '@opentelemetry/api';
import type { IncomingMessage } from 'node:http';

/** Resolved through the global proxy provider, so an SDK registered later still applies. */
export const tracer = trace.getTracer('tide-gateway');

/** `gateway /fn/{namespace}/{name}` for a path route, `gateway {name}.{namespace}` for a host route. */
export function invocationSpanName(target: { prefix: string; namespace: string; name: string }): string {
  return target.prefix === '' ? `gateway ${target.name}.${target.namespace}` : `gateway ${target.prefix}`;
}

export const ATTR_FUNCTION = 'tide.function';
export const ATTR_NAMESPACE = 'tide.namespace';
export const ATTR_POD = 'tide.pod';
export const ATTR_HTTP_METHOD = 'http.request.method';
export const ATTR_HTTP_STATUS = 'http.response.status_code';

/** The gateway → pod hop as OpenTelemetry's HTTP client conventions describe it. */
export function clientSpanOptions(req: IncomingMessage, endpoint: { pod: string; server: { address: string; port: number } | undefined }): SpanOptions {
  const server = endpoint.server;
  return {
    kind: SpanKind.CLIENT,
    attributes: {
      [ATTR_HTTP_METHOD]: req.method ?? 'GET',
      [ATTR_POD]: endpoint.pod,
      ...(server ? { 'server.address': server.address, 'server.port': server.port } : {}),
    },
  };
}

/** Writes propagation headers into undici's flat `[name, value, ...]` list, replacing a same-named one. */
export const flatHeaderSetter: TextMapSetter<string[]> = {
  set(headers, key, value) {
    for (let i = 0; i < headers.length; i += 2) {
      if ((headers[i] as string).toLowerCase() === key) {
        headers[i + 1] = value;
        return;
      }
    }
    headers.push(key, value);
  },
};
