import { type Context, Hono } from 'hono';
import { stream } from 'hono/streaming';
import { type Principal, WRITER_HEADER, writerOf } from '@tide/core';
import { ApiError } from '../errors.js';
import { type AppendRecord, parseAppendBody } from './log-append-body.js';
import { BUS_TOPIC_PREFIX } from '@tide/topics';
import type { ControlPlaneDeps } from '../deps.js';
import { IN_PROCESS } from '../auth/context.js';
import { topicRight, type TopicOperation } from '../core/log-topic-rights.js';

/** Topics other processes (node agents, gateways) may read and append through the API by default. */
export const PLATFORM_TOPICS = ['tide.state', 'tide.metrics', 'tide.leases', 'tide.logs', 'tide.kv', 'tide.invocations', 'tide.activations', 'tide.triggers'];

/**
 * Served by default: the platform topics, and the partitions of namespaces' topics on the log's
 * bus (`bus.<ns>.<topic>.<p>`), which the triggers process reads and commits through this API.
 */
export const servedByDefault = (topic: string): boolean => PLATFORM_TOPICS.includes(topic) || topic.startsWith(BUS_TOPIC_PREFIX);
const HEARTBEAT_MS = 10_000;

function offsetParam(raw: string | undefined, field: string, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  // Past 2^53 a number is no longer exact, and the log refuses it: say so before the stream starts.
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw)))
    throw new ApiError(400, 'BadRequest', `${field} "${raw.slice(0, 40)}" must be a whole number`, [{ field, message: 'must be a whole number' }]);
  return Number(raw);
}

/** Without authentication (in-process route tests) every caller is the control plane itself. */
function principalOf(c: Context): Principal {
  return c.get('principal') ?? IN_PROCESS;
}

/**
 * Who appended: the authenticated caller, stamped on every record whatever the client put in the
 * header, so the fold (and lease readers) judge a record by who really sent it. A control plane's
 * records carry none (absent = a control plane).
 */
function stampWriter(records: AppendRecord[], principal: Principal): AppendRecord[] {
  return records.map((record) => {
    const { headers: sent, ...rest } = record;
    const { [WRITER_HEADER]: _claimed, ...headers } = sent ?? {};
    if (principal.kind !== 'control-plane') headers[WRITER_HEADER] = writerOf(principal);
    return Object.keys(headers).length === 0 ? rest : { ...rest, headers };
  });
}

/**
 * The event log over HTTP, so that a process without its own log (a node agent of the embedded
 * log's machine, say) folds the same stream and appends to it: records as NDJSON, values base64.
 * Every write still goes through the fold's judgement, like any other append.
 */
export function logRoutes(deps: ControlPlaneDeps, allowed: (topic: string) => boolean = servedByDefault) {
  const app = new Hono();
  const checkTopic = (c: Context, operation: TopicOperation): string => {
    const topic = c.req.param('topic') ?? '';
    if (!allowed(topic))
      throw new ApiError(
        404,
        'NotFound',
        `no topic "${topic.slice(0, 80)}" is served: use one of ${PLATFORM_TOPICS.join(', ')} or a bus partition (${BUS_TOPIC_PREFIX}<topic>.<partition>)`,
      );
    const right = topicRight(principalOf(c), topic, operation);
    if (!right.allowed) throw new ApiError(403, 'Forbidden', right.reason);
    return topic;
  };
  app.get('/:topic/end', async (c) => c.json({ endOffset: await deps.log.endOffset(checkTopic(c, 'read')) }));
  app.get('/:topic', (c) => {
    const topic = checkTopic(c, 'read');
    const from = offsetParam(c.req.query('from'), 'from', 0);
    const follow = c.req.query('follow') === 'true';
    c.header('content-type', 'application/x-ndjson');
    return stream(c, async (out) => {
      const abort = new AbortController();
      out.onAbort(() => abort.abort());
      const heartbeat = setInterval(() => void out.write('\n'), HEARTBEAT_MS);
      try {
        for await (const record of deps.log.read(topic, from, { follow, signal: abort.signal })) {
          const line = JSON.stringify({
            offset: record.offset,
            timestamp: record.timestamp,
            key: record.key,
            headers: record.headers,
            value: Buffer.from(record.value).toString('base64'),
          });
          await out.write(`${line}\n`);
        }
      } finally {
        clearInterval(heartbeat);
      }
    });
  });
  app.post('/:topic', async (c) => {
    const topic = checkTopic(c, 'append');
    const records = parseAppendBody(await c.req.json().catch(() => undefined), topic);
    if (records.length === 0) return c.json({ offsets: [] });
    return c.json({ offsets: await deps.log.append(topic, stampWriter(records, principalOf(c))) });
  });
  app.get('/:topic/groups/:group', async (c) => {
    const offset = await deps.log.committedOffset(c.req.param('group'), checkTopic(c, 'commit'));
    return c.json({ offset: offset ?? null });
  });
  app.put('/:topic/groups/:group', async (c) => {
    const topic = checkTopic(c, 'commit');
    const body = (await c.req.json().catch(() => undefined)) as { offset?: unknown } | undefined;
    if (typeof body?.offset !== 'number' || !Number.isInteger(body.offset) || body.offset < 0)
      throw new ApiError(422, 'Invalid', 'body must be {"offset": <whole number>}', [{ field: 'offset', message: 'required' }]);
    await deps.log.commitOffset(c.req.param('group'), topic, body.offset);
    return c.json({ offset: body.offset });
  });
  return app;
}
