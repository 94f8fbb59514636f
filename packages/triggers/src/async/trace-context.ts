import { randomBytes } from 'node:crypto';

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * The trace an async call's runs belong to: the caller's (from its traceparent), else a new one,
 * so every attempt, the function's spans and the activation record share one trace id.
 */
export function traceOf(traceparent: string | undefined, knownTraceId?: string): { traceId: string; traceparent: string } {
  const match = traceparent === undefined ? null : TRACEPARENT.exec(traceparent.trim().toLowerCase());
  if (match !== null && traceparent !== undefined) return { traceId: match[1] as string, traceparent: traceparent.trim() };
  // After a restart, the trace the activation was recorded under.
  const traceId = knownTraceId !== undefined && /^[0-9a-f]{32}$/.test(knownTraceId) ? knownTraceId : randomBytes(16).toString('hex');
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
}
