import { setTimeout as delay } from 'node:timers/promises';
import { Agent, request } from 'undici';
import type { AppendRecord, EventLog, LogRecord, ReadOptions } from './event-log.js';
import { LogRewoundError } from './errors.js';
import { lostRecord } from './lost-record.js';

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

/**
 * A tailing read gives up on a stream that has been silent this long (the server sends a heartbeat
 * every 10 s) and reconnects: a control plane whose machine went away never closes the connection.
 */
const FOLLOW_BODY_TIMEOUT_MS = 35_000;
/** Longest wait between a tailing read's attempts to reconnect. */
const MAX_BACKOFF_MS = 1_000;

interface WireRecord {
  offset: number;
  timestamp: number;
  key: string | null;
  headers: Record<string, string>;
  value: string;
}

function toRecord(topic: string, r: WireRecord): LogRecord {
  return { topic, offset: r.offset, timestamp: r.timestamp, key: r.key, headers: r.headers, value: new Uint8Array(Buffer.from(r.value, 'base64')) };
}

function unreachable(url: string, error: unknown): HttpLogError {
  return new HttpLogError(url, undefined, `unreachable (${(error as { code?: string }).code ?? (error as Error).message})`);
}

/** A server down or restarting (no answer, 5xx), as opposed to one refusing the request (4xx). */
function retriable(error: unknown): boolean {
  return error instanceof HttpLogError && (error.status === undefined || error.status >= 500);
}

function backoff(failures: number): number {
  return Math.min(MAX_BACKOFF_MS, 50 * 2 ** failures);
}

/** Waits `ms`, or less when `signal` aborts (never rejects). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal }).catch(() => undefined);
}

/**
 * The EventLog of another process, reached over the control plane's `/apis/tide.dev/v1/log` API:
 * a node agent on the embedded log's machine folds and appends through it. Same contract as the
 * embedded and Kafka adapters.
 *
 * A tailing read whose stream breaks or ends (the control plane restarting) reconnects with
 * back-off where it was, for as long as it is not aborted; only the failure of its first
 * connection is thrown, for the caller to report and retry. Coming back, it checks that the log
 * behind the URL is the one it left: a control plane restarted over a wiped data directory serves
 * a log that starts again from 0, and the reader would wait at its old offset for records that
 * will be other ones. If the log now ends before what the reader had reached (its end when the
 * reader last looked, or past the last record yielded), or holds another record (time or bytes)
 * where the last one yielded was, the read throws LogRewoundError. A record merely gone while
 * the log goes on past it is not a rewind, as on Kafka (partition-reader.ts).
 */
export interface HttpLogOptions {
  /**
   * The component's bearer token (a node's, a gateway's, a triggers process's), sent on every
   * request: the control plane's log API serves Tide's own components only.
   */
  token?: string;
}

export function openHttpLog(server: string, options: HttpLogOptions = {}): EventLog {
  const where = server.replace(/\/+$/, '');
  const auth: Record<string, string> = options.token === undefined ? {} : { authorization: `Bearer ${options.token}` };
  const base = `${where}/apis/tide.dev/v1/log`;
  const agent = new Agent({ keepAliveTimeout: 30_000, bodyTimeout: 0 });
  const topicUrl = (topic: string) => `${base}/${encodeURIComponent(topic)}`;
  // Closing the log ends every read it has open, as the other adapters do.
  const closing = new AbortController();
  const call = async <T>(method: string, url: string, body?: unknown, signal?: AbortSignal): Promise<T> => {
    let res;
    try {
      res = await request(url, {
        method: method as 'GET',
        dispatcher: agent,
        ...(signal === undefined ? {} : { signal }),
        headers: body === undefined ? auth : { ...auth, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw unreachable(url, error);
    }
    const text = await res.body.text();
    if (res.statusCode >= 400) throw new HttpLogError(url, res.statusCode, `${res.statusCode}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  };
  const endOffset = async (topic: string, signal?: AbortSignal): Promise<number> =>
    (await call<{ endOffset: number }>('GET', `${topicUrl(topic)}/end`, undefined, signal)).endOffset;

  /** The record at `offset`, or the first one after it if the log no longer holds it; undefined past the end. */
  const recordAt = async (topic: string, offset: number, signal: AbortSignal): Promise<LogRecord | undefined> => {
    for await (const record of log.read(topic, offset, { follow: false, signal })) return record; // leaving ends the stream
    return undefined;
  };

  const log: EventLog = {
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
      const signal = options.signal ? AbortSignal.any([options.signal, closing.signal]) : closing.signal;
      if (signal.aborted) return;
      let next = fromOffset;
      // What a log this reader comes back to must still hold: its end may not fall below the
      // furthest it was known to reach (its end when the reader last looked, or past the last
      // record yielded), and the last record yielded must still be there.
      let reached = 0;
      let last: LogRecord | undefined;
      let connected = false;
      let failures = 0;
      while (!signal.aborted) {
        const url = `${topicUrl(topic)}?from=${next}&follow=${follow}`;
        let res;
        try {
          if (follow) {
            const end = await endOffset(topic, signal);
            if (connected) {
              const found =
                end < reached
                  ? `ends at ${end}`
                  : last === undefined
                    ? undefined
                    : lostRecord(last, end, end <= last.offset ? undefined : await recordAt(topic, last.offset, signal));
              if (found !== undefined) throw new LogRewoundError(topic, next, found, where);
            }
            reached = Math.max(reached, end);
          }
          try {
            res = await request(url, { dispatcher: agent, signal, headers: auth, ...(follow ? { bodyTimeout: FOLLOW_BODY_TIMEOUT_MS } : {}) });
          } catch (error) {
            throw unreachable(url, error);
          }
          if (res.statusCode >= 400) throw new HttpLogError(url, res.statusCode, `${res.statusCode}: ${(await res.body.text()).slice(0, 300)}`);
        } catch (error) {
          if (signal.aborted) return;
          // The first connection's failure is the caller's to report and retry; one after a
          // tailing reader was under way is a server restarting: come back where it was.
          if (!follow || !connected || !retriable(error)) throw error;
          await sleep(backoff(failures++), signal);
          continue;
        }
        connected = true;
        let buffered = '';
        try {
          for await (const chunk of res.body) {
            buffered += (chunk as Buffer).toString('utf8');
            let end: number;
            while ((end = buffered.indexOf('\n')) >= 0) {
              const line = buffered.slice(0, end);
              buffered = buffered.slice(end + 1);
              if (!line.trim()) continue; // heartbeat
              const record = toRecord(topic, JSON.parse(line) as WireRecord);
              if (record.offset < next) continue; // already yielded before a reconnect
              next = record.offset + 1;
              reached = Math.max(reached, next);
              last = record;
              failures = 0;
              yield record;
            }
          }
        } catch (error) {
          if (signal.aborted) return;
          const broke = new HttpLogError(url, undefined, `stream broke: ${(error as Error).message}`);
          // A line that is not a record would come again after a reconnect.
          if (!follow || error instanceof SyntaxError) throw broke;
          await sleep(backoff(failures++), signal);
          continue;
        }
        if (!follow) return;
        // The server ended a tailing stream (it is shutting down): reconnect once it is back.
        await sleep(backoff(failures++), signal);
      }
    },
    endOffset: (topic) => endOffset(topic),
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
  return log;
}
