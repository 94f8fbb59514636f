import { Agent, request } from 'undici';
import type { AppendRecord, EventLog, LogRecord, ReadOptions } from './event-log.js';

export class HttpLogError extends Error {
  constructor(
    readonly url: string,
    readonly status: number | undefined,
    message: string,
  ) {
    super(`event log at ${url}: ${message}`);
    this.name = 'HttpLogError';
  }
}

interface WireRecord {
  offset: number;
  timestamp: number;
  key: string | null;
  headers: Record<string, string>;
  value: string;
}

/**
 * The EventLog of another process, reached over the control plane's `/apis/tide.dev/v1/log` API:
 * a node agent on the embedded log's machine folds and appends through it. Same contract as the
 * embedded and Kafka adapters.
 */
export function openHttpLog(server: string): EventLog {
  const base = `${server.replace(/\/+$/, '')}/apis/tide.dev/v1/log`;
  const agent = new Agent({ keepAliveTimeout: 30_000, bodyTimeout: 0 });
  const topicUrl = (topic: string) => `${base}/${encodeURIComponent(topic)}`;
  // Closing the log ends every read it has open, as the other adapters do.
  const closing = new AbortController();
  const call = async <T>(method: string, url: string, body?: unknown): Promise<T> => {
    let res;
    try {
      res = await request(url, {
        method: method as 'GET',
        dispatcher: agent,
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
    } catch (error) {
      throw new HttpLogError(url, undefined, `unreachable (${(error as { code?: string }).code ?? (error as Error).message})`);
    }
    const text = await res.body.text();
    if (res.statusCode >= 400) throw new HttpLogError(url, res.statusCode, `${res.statusCode}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  };
  return {
    async append(topic, records: readonly AppendRecord[]) {
      const wire = records.map((r) => ({
        value: Buffer.from(typeof r.value === 'string' ? new TextEncoder().encode(r.value) : r.value).toString('base64'),
        ...(r.key === undefined ? {} : { key: r.key }),
        ...(r.headers === undefined ? {} : { headers: r.headers }),
      }));
      return (await call<{ offsets: number[] }>('POST', topicUrl(topic), { records: wire })).offsets;
    },
    async *read(topic: string, fromOffset: number, options: ReadOptions = {}): AsyncIterable<LogRecord> {
      const follow = options.follow ?? true;
      const url = `${topicUrl(topic)}?from=${fromOffset}&follow=${follow}`;
      const signal = options.signal ? AbortSignal.any([options.signal, closing.signal]) : closing.signal;
      if (signal.aborted) return;
      let res;
      try {
        res = await request(url, { dispatcher: agent, signal });
      } catch (error) {
        if (signal.aborted) return;
        throw new HttpLogError(url, undefined, `unreachable (${(error as { code?: string }).code ?? (error as Error).message})`);
      }
      if (res.statusCode >= 400) throw new HttpLogError(url, res.statusCode, `${res.statusCode}: ${(await res.body.text()).slice(0, 300)}`);
      let buffered = '';
      try {
        for await (const chunk of res.body) {
          buffered += (chunk as Buffer).toString('utf8');
          let end: number;
          while ((end = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, end);
            buffered = buffered.slice(end + 1);
            if (!line.trim()) continue; // heartbeat
            const r = JSON.parse(line) as WireRecord;
            yield { topic, offset: r.offset, timestamp: r.timestamp, key: r.key, headers: r.headers, value: new Uint8Array(Buffer.from(r.value, 'base64')) };
          }
        }
      } catch (error) {
        if (signal.aborted) return;
        throw new HttpLogError(url, undefined, `stream broke: ${(error as Error).message}`);
      }
    },
    async endOffset(topic) {
      return (await call<{ endOffset: number }>('GET', `${topicUrl(topic)}/end`)).endOffset;
    },
    async commitOffset(group, topic, offset) {
      await call('PUT', `${topicUrl(topic)}/groups/${encodeURIComponent(group)}`, { offset });
    },
    async committedOffset(group, topic) {
      return (await call<{ offset: number | null }>('GET', `${topicUrl(topic)}/groups/${encodeURIComponent(group)}`)).offset ?? undefined;
    },
    async close() {
      closing.abort();
      await agent.destroy();
    },
  };
}
