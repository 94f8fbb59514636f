import { ROOT_CONTEXT, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { startCausedSpan, type Pod } from '@tide/core';
import type { PodReport } from './pod-types.js';

const TRACER = 'tide-node-agent';

/**
 * The spans of each start of a pod on this node, in the trace of the change that put the pod here
 * (its PodBound, which continues the scale decision's or the deploy's trace): `start pod` from the
 * agent's first report to Ready, with `claim warm-pool process` or `spawn runtime process` and
 * `import` under it. The events the agent reports carry the start span's trace context, so the
 * pod's Ready is a step of the same trace.
 */
export function podStartSpans(nodeName: string) {
  const starts = new Map<string, { span: Span; traceparent: string | undefined }>();
  return {
    /** The trace context for the event reporting `report`, ending the start's spans when it is over. */
    traceparentFor(pod: Pod, agentName: string, report: PodReport, nowMs: number): string | undefined {
      let start = starts.get(agentName);
      if (start === undefined && report.phase === 'Starting') {
        start = startCausedSpan(TRACER, `start pod ${pod.metadata.namespace}/${pod.metadata.name}`, pod.metadata.traceparent, {
          attributes: {
            'tide.namespace': pod.metadata.namespace,
            'tide.function': pod.spec.function,
            'tide.revision': pod.spec.revision,
            'tide.pod': pod.metadata.name,
            'tide.node': nodeName,
            ...(report.coldStart ? { 'tide.cold_start': report.coldStart } : {}),
            'tide.restart_count': report.restartCount,
          },
        });
        starts.set(agentName, start);
      }
      if (start === undefined) return pod.metadata.traceparent;
      if (report.phase === 'Ready') endReady(start.span, report, nowMs);
      else if (report.phase !== 'Starting')
        start.span.setStatus({ code: SpanStatusCode.ERROR, message: report.reason ?? `pod ${report.phase} before it was ready` });
      if (report.phase !== 'Starting') {
        start.span.end(nowMs);
        starts.delete(agentName);
      }
      return start.traceparent;
    },
  };
}

/** How the process came to serve: its claim or spawn (from the agent's start to Ready), and the module's import within it. */
function endReady(span: Span, report: PodReport, nowMs: number): void {
  if (report.startMs === undefined) return;
  const parent = trace.setSpan(ROOT_CONTEXT, span);
  const tracer = trace.getTracer(TRACER);
  const how = report.coldStart === 'pool' ? 'claim warm-pool process' : 'spawn runtime process';
  tracer.startSpan(how, { startTime: nowMs - report.startMs, attributes: { 'tide.cold_start': report.coldStart ?? 'spawn' } }, parent).end(nowMs);
  // The runtime measures its import; it ends just before the runtime listens and the agent's readiness probe answers.
  if (report.importMs !== undefined) tracer.startSpan('import', { startTime: nowMs - report.importMs }, parent).end(nowMs);
}
