import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';

declare module 'hono' {
  interface ContextVariableMap {
    /** The W3C trace context of the request's SERVER span: the events it appends carry it (apiSpans). */
    traceparent: string | undefined;
  }
}

const tracer = trace.getTracer('tide-control-plane');

/**
 * A SERVER span per API request, as OpenTelemetry's HTTP server conventions name it
 * (`PUT /apis/tide.dev/v1/namespaces/:namespace/functions/:name`), a child of the caller's
 * `traceparent`; what the request appends to the log continues it (c.get('traceparent')). Not for
 * the raw log routes (node agents and followers call them several times a second: a span each would
 * be noise, and what they append carries its own trace context), nor for watches, which last.
 */
export function apiSpans(untraced: (path: string) => boolean): MiddlewareHandler {
  return async (c, next) => {
    if (untraced(c.req.path) || c.req.query('watch') === 'true' || c.req.query('watch') === '1') return next();
    const method = c.req.method;
    const parent = propagation.extract(ROOT_CONTEXT, { traceparent: c.req.header('traceparent'), tracestate: c.req.header('tracestate') });
    const span = tracer.startSpan(
      method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': c.req.path, 'url.scheme': new URL(c.req.url).protocol.slice(0, -1) } },
      parent,
    );
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(parent, span), carrier);
    c.set('traceparent', carrier.traceparent);
    try {
      await next();
    } finally {
      const route = routePath(c);
      if (route !== '' && route !== '*' && !route.endsWith('/*')) {
        span.updateName(`${method} ${route}`);
        span.setAttribute('http.route', route);
      }
      const status = c.res.status;
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
  };
}
