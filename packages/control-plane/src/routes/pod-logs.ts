import type { Context } from 'hono';
import { stream } from 'hono/streaming';
import { decodePodLogBatch, keyOf, LOGS_TOPIC, type PodLogLine } from '@tide/core';
import { ApiError } from '../errors.js';
import { formatPodLogLine, parsePodLogQuery, podLogWanted } from '../core/pod-log-query.js';
import type { ControlPlaneDeps } from '../deps.js';

/** How far back a request looks for a function's lines: the logs topic holds every function's. */
const SCAN_RECORDS = 20_000;
const MAX_TAIL = 100_000;

/**
 * What a function's pods printed, from the logs topic, oldest first, like `kubectl logs --prefix`
 * (pod-log-query.ts says the format): the recent history (`tail` lines of it), then, with
 * `follow=true`, new lines as they are shipped. `traceId` keeps the lines of one trace's calls, in
 * the history and in what follows.
 */
export function functionLogs(c: Context, deps: ControlPlaneDeps, namespace: string, name: string) {
  if (!deps.store.state().functions.has(keyOf(namespace, name))) throw new ApiError(404, 'NotFound', `function ${namespace}/${name} not found`);
  const parsed = parsePodLogQuery(c.req.query(), Date.now(), MAX_TAIL);
  if (!parsed.ok) throw new ApiError(400, 'BadRequest', parsed.message, [{ field: parsed.field, message: parsed.message }]);
  const { query } = parsed;
  const { tail } = query;
  const wanted = podLogWanted(query, namespace, name);
  const format = (line: PodLogLine) => formatPodLogLine(line, query);

  c.header('content-type', query.format === 'json' ? 'application/x-ndjson' : 'text/plain; charset=utf-8');
  return stream(c, async (out) => {
    const abort = new AbortController();
    out.onAbort(() => abort.abort());
    const end = await deps.log.endOffset(LOGS_TOPIC);
    const recent: string[] = [];
    if (end > 0 && tail > 0) {
      for await (const record of deps.log.read(LOGS_TOPIC, Math.max(0, end - SCAN_RECORDS), { follow: false, signal: abort.signal })) {
        if (record.offset >= end) break;
        for (const line of decodePodLogBatch(record.value)?.lines ?? []) if (wanted(line)) recent.push(format(line));
        if (recent.length > tail * 2) recent.splice(0, recent.length - tail);
      }
    }
    if (recent.length > tail) recent.splice(0, recent.length - tail);
    if (recent.length) await out.write(recent.join(''));
    if (!query.follow) return;
    for await (const record of deps.log.read(LOGS_TOPIC, end, { follow: true, signal: abort.signal })) {
      const lines = (decodePodLogBatch(record.value)?.lines ?? []).filter(wanted).map(format);
      if (lines.length) await out.write(lines.join(''));
    }
  });
}
