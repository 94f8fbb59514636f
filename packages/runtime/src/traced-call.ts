import type { IncomingMessage, ServerResponse } from 'node:http';
import { createCallSpans } from './call-spans.js';
import { type CallScope, withCallTrace } from './call-trace.js';
import { pathOf } from './forwarded-url.js';
import { faasTriggerOf, invokeTraceOf } from './invoke-trace.js';
import { callContextOf, inCallContext } from './pod-tracing.js';
import type { InvocationRecord, SpanBatch } from './runtime-config.js';
import { nowMs } from './pod-span.js';
import { randomSpanId } from './span-ids.js';
import { INVOKE_HEADER } from './event-invocation.js';

/** Where a traced call's spans go: set when the node agent records the pod's spans. */
export interface SpanReporting {
  onInvocation(record: InvocationRecord): void;
  onSpans(batch: SpanBatch): void;
}

/** A call that carried a traceparent, begun: run it with `run`, and `report` it once its request is known. */
export interface TracedCall {
  run<T>(serve: () => T): T;
  /** Reports the invoke span once the response has ended (only for a sampled, recorded call). */
  report(outgoing: ServerResponse, first: boolean, invocationId: string): void;
}

/**
 * Begins a call that carries a traceparent: undefined for one without (the untraced path stays as
 * it was). A sampled call whose spans are recorded gets its invoke span's id here, and the request
 * the function sees is rewritten to name it (invoke-trace.ts); any other keeps its headers.
 */
export function beginTracedCall(incoming: IncomingMessage, reporting: SpanReporting | undefined): TracedCall | undefined {
  const traceparent = headerValue(incoming.headers.traceparent);
  if (traceparent === undefined) return undefined;
  const tracestate = headerValue(incoming.headers.tracestate);
  const invoke = invokeTraceOf(traceparent, randomSpanId, reporting !== undefined);
  const startMs = nowMs();
  const scope: CallScope = { trace: { traceparent: invoke?.traceparent ?? traceparent, ...(tracestate === undefined ? {} : { tracestate }) } };
  if (invoke?.sampled) {
    rewriteTraceparent(incoming, invoke.traceparent);
    if (reporting) scope.spans = createCallSpans((batch) => reporting.onSpans(batch));
  }
  const callContext = invoke ? callContextOf(invoke, tracestate) : undefined;
  return {
    run: (serve) => withCallTrace(scope, callContext ? () => inCallContext(callContext, serve) : serve),
    report(outgoing, first, invocationId) {
      const spans = scope.spans;
      if (!invoke?.sampled || !reporting || !spans) return;
      const url = pathOf(incoming.url ?? '/');
      const query = url.indexOf('?');
      const trigger = faasTriggerOf(headerValue(incoming.headers[INVOKE_HEADER]), headerValue(incoming.headers['ce-type']));
      outgoing.once('close', () => {
        const ended = spans.takeEnded();
        reporting.onInvocation({
          traceparent,
          ...(tracestate === undefined ? {} : { tracestate }),
          spanId: invoke.spanId,
          invocationId,
          trigger,
          method: incoming.method ?? 'GET',
          path: query === -1 ? url : url.slice(0, query),
          status: outgoing.statusCode,
          startMs,
          endMs: nowMs(),
          first,
          ...(ended.spans.length ? { spans: ended.spans } : {}),
          ...(ended.dropped ? { droppedSpans: ended.dropped } : {}),
        });
      });
    },
  };
}

/** The request the function sees (built from rawHeaders when first read) names the invoke span. */
function rewriteTraceparent(incoming: IncomingMessage, traceparent: string): void {
  incoming.headers.traceparent = traceparent;
  const raw = incoming.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === 'traceparent') raw[i + 1] = traceparent;
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
