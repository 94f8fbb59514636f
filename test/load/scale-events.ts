import { request, type Dispatcher } from 'undici';
import { apiHeaders } from '../support/api-auth.js';
import { parseSse } from './sse.js';
import { API_PATH } from './tide-api.js';

/** A ScaleSet decision the autoscaler appended for one of the scenario's functions. */
export interface ScaleEvent {
  /** ms since the run started, from the event's log time. */
  atMs: number;
  /** ms since the run started, when the watch delivered it. */
  receivedMs: number;
  /** Index into the scenario's functions. */
  fn: number;
  from: number;
  to: number;
  reason: string;
  /** False when the fold rejected it (a decision made on stale state). */
  accepted: boolean;
}

interface LoggedScaleSet {
  type: string;
  time: string;
  data: { name?: string; from?: number; to?: number; reason?: string };
  verdict?: { accepted?: boolean };
}

export interface ScaleEventWatch {
  readonly events: readonly ScaleEvent[];
  close(): Promise<void>;
}

export interface ScaleEventWatchOptions {
  url: string;
  names: readonly string[];
  dispatcher: Dispatcher;
  /** Epoch ms of the run's start, to place log times on the run's clock. */
  startEpochMs: number;
  elapsedMs: () => number;
  maxEvents: number;
}

/** Follows `GET functions?watch=true` (server-sent events) and keeps the ScaleSets of `names`. */
export async function openScaleEventWatch(options: ScaleEventWatchOptions): Promise<ScaleEventWatch> {
  const events: ScaleEvent[] = [];
  const abort = new AbortController();
  const res = await request(`${options.url}${API_PATH}/functions?watch=true`, {
    dispatcher: options.dispatcher,
    headers: apiHeaders(options.url),
    signal: abort.signal,
    headersTimeout: 15_000,
    bodyTimeout: 0, // the stream stays open for the whole run
  });
  if (res.statusCode !== 200) throw new Error(`watch answered ${res.statusCode}: ${(await res.body.text()).slice(0, 300)}`);
  const reading = (async () => {
    let buffer = '';
    for await (const chunk of res.body) {
      const { data, rest } = parseSse(buffer + (chunk as Buffer).toString('utf8'));
      buffer = rest;
      for (const text of data) {
        const event = toScaleEvent(text, options);
        if (event && events.length < options.maxEvents) events.push(event);
      }
    }
  })().catch((error: unknown) => {
    if (!abort.signal.aborted) console.error(`scale event watch ended: ${(error as Error).message}`);
  });
  return {
    events,
    async close() {
      abort.abort();
      await reading;
    },
  };
}

function toScaleEvent(text: string, options: ScaleEventWatchOptions): ScaleEvent | undefined {
  let logged: LoggedScaleSet;
  try {
    logged = JSON.parse(text) as LoggedScaleSet;
  } catch {
    return undefined;
  }
  if (logged.type !== 'ScaleSet') return undefined;
  const fn = options.names.indexOf(logged.data.name ?? '');
  if (fn < 0) return undefined;
  return {
    atMs: Date.parse(logged.time) - options.startEpochMs,
    receivedMs: options.elapsedMs(),
    fn,
    from: logged.data.from ?? 0,
    to: logged.data.to ?? 0,
    reason: logged.data.reason ?? '',
    accepted: logged.verdict?.accepted !== false,
  };
}
