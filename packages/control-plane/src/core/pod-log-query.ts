import { traceIdProblem, type PodLogLine } from '@tide/core';

/** What a request for a function's logs asks for, parsed from its query string. */
export interface PodLogQuery {
  /** Lines of the recent history kept, at most maxTail. */
  tail: number;
  follow: boolean;
  pod?: string;
  /** Only lines read at or after this epoch ms. */
  sinceMs: number;
  timestamps: boolean;
  /** Only lines written inside a call of this trace (lowercase, as W3C traceparent carries it). */
  traceId?: string;
  /** text: `[pod] line` for people; json: one record per line for programs. */
  format: 'text' | 'json';
}

export type PodLogQueryResult = { ok: true; query: PodLogQuery } | { ok: false; field: string; message: string };

const WHOLE = /^\d+$/;

/** The query of `GET .../functions/{name}/logs`, or which parameter is wrong and why. */
export function parsePodLogQuery(params: Record<string, string | undefined>, now: number, maxTail: number): PodLogQueryResult {
  const { tail, sinceSeconds, traceId, format } = params;
  if (tail !== undefined && !WHOLE.test(tail)) return { ok: false, field: 'tail', message: `tail "${tail.slice(0, 40)}" must be a whole number of lines` };
  if (sinceSeconds !== undefined && !WHOLE.test(sinceSeconds))
    return { ok: false, field: 'sinceSeconds', message: `sinceSeconds "${sinceSeconds.slice(0, 40)}" must be a whole number of seconds` };
  const traceProblem = traceId === undefined ? undefined : traceIdProblem(traceId);
  if (traceProblem) return { ok: false, field: 'traceId', message: `traceId "${traceId!.slice(0, 40)}" ${traceProblem}` };
  const trace = traceId?.toLowerCase();
  if (format !== undefined && format !== 'text' && format !== 'json')
    return { ok: false, field: 'format', message: `format "${format.slice(0, 40)}" must be text or json` };
  return {
    ok: true,
    query: {
      tail: tail === undefined ? maxTail : Math.min(maxTail, Number(tail)),
      follow: params.follow === 'true',
      ...(params.pod === undefined ? {} : { pod: params.pod }),
      sinceMs: sinceSeconds === undefined ? -Infinity : now - Number(sinceSeconds) * 1000,
      timestamps: params.timestamps === 'true',
      ...(trace === undefined ? {} : { traceId: trace }),
      format: format ?? 'text',
    },
  };
}

/** Whether a line of the logs topic answers the query for function namespace/name. */
export function podLogWanted(query: PodLogQuery, namespace: string, name: string): (line: PodLogLine) => boolean {
  return (line) =>
    line.namespace === namespace &&
    line.function === name &&
    (query.pod === undefined || line.pod === query.pod) &&
    (query.traceId === undefined || line.traceId === query.traceId) &&
    line.at >= query.sinceMs;
}

/**
 * One line of the answer. Text is `[pod] <time> trace=<id> ! line` (time with timestamps, the
 * trace where the line was written inside a traced call, `!` for stderr), like
 * `kubectl logs --prefix`; json is the record, its time in RFC 3339.
 */
export function formatPodLogLine(line: PodLogLine, query: Pick<PodLogQuery, 'timestamps' | 'format'>): string {
  if (query.format === 'json') {
    const { at, ...rest } = line;
    return `${JSON.stringify({ time: new Date(at).toISOString(), ...rest })}\n`;
  }
  const time = query.timestamps ? `${new Date(line.at).toISOString()} ` : '';
  const trace = line.traceId ? `trace=${line.traceId} ` : '';
  return `[${line.pod}] ${time}${trace}${line.stream === 'stderr' ? '! ' : ''}${line.line}\n`;
}
