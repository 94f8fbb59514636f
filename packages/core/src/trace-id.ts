/**
 * What is wrong with a W3C trace id (32 hex digits, the second field of a traceparent), said so
 * that the fix is plain, or undefined for a good one. Upper case is taken: ids copied from some
 * tracing UIs come that way, and a reader lowercases them as the header carries them.
 */
export function traceIdProblem(traceId: string): string | undefined {
  if (!/^[\da-f]*$/i.test(traceId)) return 'must be hexadecimal (0-9, a-f): a W3C trace id, the second field of a traceparent';
  if (traceId.length !== 32) return `must be 32 hexadecimal digits (a W3C trace id, the second field of a traceparent), not ${traceId.length}`;
  if (/^0+$/.test(traceId)) return 'is all zeros, which W3C reserves for "no trace"';
  return undefined;
}
