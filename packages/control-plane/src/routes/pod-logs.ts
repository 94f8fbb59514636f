import type { Context } from 'hono';
import { stream } from 'hono/streaming';
import { decodePodLogBatch, keyOf, LOGS_TOPIC, type PodLogLine } from '@tide/core';
import { ApiError } from '../errors.js';
import type { ControlPlaneDeps } from '../deps.js';

/** How far back a request looks for a function's lines: the logs topic holds every function's. */
const SCAN_RECORDS = 20_000;
const MAX_TAIL = 100_000;

/**
 * What a function's pods printed, from the logs topic, as text (`[pod] line`, stderr lines marked
 * `!`), oldest first, like `kubectl logs --prefix`: the recent history (`tail` lines of it), then,
 * with `follow=true`, new lines as they are shipped.
 */
export function functionLogs(c: Context, deps: ControlPlaneDeps, namespace: string, name: string) {
  if (!deps.store.state().functions.has(keyOf(namespace, name))) throw new ApiError(404, 'NotFound', `function ${namespace}/${name} not found`);
  const rawTail = c.req.query('tail');
  if (rawTail !== undefined && !/^\d+$/.test(rawTail))
    throw new ApiError(400, 'BadRequest', `tail "${rawTail.slice(0, 40)}" must be a whole number of lines`, [
      { field: 'tail', message: 'must be a whole number' },
    ]);
  const tail = rawTail === undefined ? MAX_TAIL : Math.min(MAX_TAIL, Number(rawTail));
  const pod = c.req.query('pod');
  const follow = c.req.query('follow') === 'true';
  // Kubernetes' sinceSeconds and timestamps: only lines read in the last N seconds; each with its time.
  const rawSince = c.req.query('sinceSeconds');
  if (rawSince !== undefined && !/^\d+$/.test(rawSince))
    throw new ApiError(400, 'BadRequest', `sinceSeconds "${rawSince.slice(0, 40)}" must be a whole number of seconds`, [
      { field: 'sinceSeconds', message: 'must be a whole number' },
    ]);
  const sinceMs = rawSince === undefined ? -Infinity : Date.now() - Number(rawSince) * 1000;
  const timestamps = c.req.query('timestamps') === 'true';
  const wanted = (line: PodLogLine) => line.namespace === namespace && line.function === name && (pod === undefined || line.pod === pod) && line.at >= sinceMs;
  const format = (line: PodLogLine) =>
    `[${line.pod}] ${timestamps ? `${new Date(line.at).toISOString()} ` : ''}${line.stream === 'stderr' ? '! ' : ''}${line.line}\n`;

  c.header('content-type', 'text/plain; charset=utf-8');
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
    if (!follow) return;
    for await (const record of deps.log.read(LOGS_TOPIC, end, { follow: true, signal: abort.signal })) {
      const lines = (decodePodLogBatch(record.value)?.lines ?? []).filter(wanted).map(format);
      if (lines.length) await out.write(lines.join(''));
    }
  });
}
