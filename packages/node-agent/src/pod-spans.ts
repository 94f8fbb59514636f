import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { InvocationRecord } from '@tide/runtime';
import type { PodRunSpec } from './pod-types.js';
import { clusterPodName } from './node-loop.js';

const tracer = () => trace.getTracer('tide-node-agent');

/**
 * Records each traced call a pod served as the pod's span, a child of the gateway's span, with this
 * process's tracer (and so its exporter). A pod loads no OpenTelemetry SDK — it would cost every pod
 * its memory and every spawn its import — so the node agent, which has one, records the pod's calls;
 * their times come from the pod, on the same machine's clock.
 */
export function recordPodSpan(pod: PodRunSpec, call: InvocationRecord): void {
  const carrier: Record<string, string> = { traceparent: call.traceparent, ...(call.tracestate === undefined ? {} : { tracestate: call.tracestate }) };
  const parent = propagation.extract(ROOT_CONTEXT, carrier);
  const attributes = {
    'tide.namespace': pod.namespace,
    'tide.function': pod.functionName,
    'tide.revision': pod.revision,
    'tide.pod': clusterPodName(pod),
    'tide.first_call': call.first,
    'http.request.method': call.method,
    'url.path': call.path,
    'http.response.status_code': call.status,
  };
  const span = tracer().startSpan(`invoke ${pod.namespace}/${pod.functionName}`, { kind: SpanKind.SERVER, startTime: call.startMs, attributes }, parent);
  if (call.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${call.status}` });
  span.end(call.endMs);
}
