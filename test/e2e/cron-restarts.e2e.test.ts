import { eventually, makeTempDir } from '@tide/testkit/testing';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, processesMentioning, startTide, stopTide, type TideProcess } from '../support/tide-process.js';

/**
 * Issue 11, acceptance 2, literally: a cron Trigger on a 1-second schedule across 10 kill -9
 * restarts of `tide up` (its pods too) on one data dir. The function records every call of its
 * `scheduled()` in KV under `<scheduledTime>/<random>`, so a tick called twice shows as two keys.
 * Afterwards: no tick called twice, CronFired ticks unique and increasing, every second between
 * the first and the last tick either fired or counted skipped, and the one restart that outlasted
 * startingDeadlineSeconds recorded as a CronSkipped.
 */
const RESTARTS = 10;
const DEADLINE_SECONDS = 5;
/** The restart (0-based) held down past the deadline. */
const LONG_RESTART = 4;

const CRON_APP = `export default {
  async scheduled(controller, env) {
    await env.SEEN.put(controller.scheduledTime + '/' + Math.random().toString(36).slice(2), String(Date.now()));
  },
  async fetch(request, env) {
    const names = [];
    let cursor;
    for (let page = 0; page < 100; page++) {
      const listed = await env.SEEN.list(cursor ? { cursor } : {});
      names.push(...listed.keys.map((k) => k.name));
      if (listed.list_complete) break;
      cursor = listed.cursor;
    }
    return Response.json(names);
  },
};`;

interface TriggerView {
  status?: { lastTick?: number; fired: number; skipped: number };
}
interface StateEvent {
  offset: number;
  type: string;
  time: string;
  data: { namespace?: string; name?: string; tick?: number; late?: boolean; lastTick?: number; count?: number; reason?: string };
  verdict: { accepted: boolean; reason?: string };
}

let dir: Awaited<ReturnType<typeof makeTempDir>>;
let port: number;
let tide: TideProcess | undefined;
/** The cluster admin's header: the token made at the first start, the same after every restart. */
let asAdmin: Record<string, string>;

const api = (path: string) => `http://127.0.0.1:${port}/apis/tide.dev/v1${path}`;

async function put(path: string, body: unknown): Promise<void> {
  const res = await request(api(path), { method: 'PUT', body: JSON.stringify(body), headers: { ...asAdmin, 'content-type': 'application/json' } });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`PUT ${path}: ${res.statusCode} ${text}`);
}

const triggerManifest = (suspend: boolean) => ({
  apiVersion: 'tide.dev/v1',
  kind: 'Trigger',
  metadata: { name: 'every-second' },
  spec: { function: 'ticker', cron: { schedule: '* * * * * *', startingDeadlineSeconds: DEADLINE_SECONDS, suspend } },
});

async function triggerStatus(): Promise<{ lastTick?: number; fired: number; skipped: number }> {
  const res = await request(api('/namespaces/default/triggers/every-second'), { headers: asAdmin, headersTimeout: 10_000 });
  const body = (await res.body.json()) as TriggerView;
  if (res.statusCode !== 200) throw new Error(`GET trigger: ${res.statusCode} ${JSON.stringify(body)}`);
  return body.status ?? { fired: 0, skipped: 0 };
}

/**
 * The state log's events up to what the fold has read now, with the fold's verdicts (what `tide
 * events` prints), from the events stream. The raw log's end is for Tide's components only: a
 * list's resourceVersion is the offset of the last event the fold read.
 */
async function stateEvents(): Promise<StateEvent[]> {
  const list = (await (await request(api('/namespaces'), { headers: asAdmin })).body.json()) as { metadata: { resourceVersion: string } };
  const end = Number(list.metadata.resourceVersion) + 1;
  const abort = new AbortController();
  const res = await request(api('/events?watch=true&sendInitialEvents=true'), { headers: asAdmin, signal: abort.signal });
  const events: StateEvent[] = [];
  let buffer = '';
  try {
    for await (const chunk of res.body) {
      buffer += chunk.toString();
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const message = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const data = message.split('\n').find((l) => l.startsWith('data: '));
        if (!data) continue;
        const event = JSON.parse(data.slice(6)) as StateEvent;
        events.push(event);
        if (event.offset >= end - 1) return events;
      }
    }
  } finally {
    abort.abort();
  }
  throw new Error(`the events stream ended at ${events.at(-1)?.offset} before the log's end ${end}`);
}

/** kill -9 of `tide up` and of every process of its data dir (its pods), then waits until none is left. */
async function killHard(running: TideProcess): Promise<void> {
  running.child.kill('SIGKILL');
  for (const pid of processesMentioning(dir.path)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  await running.exited;
  await eventually(() => expect(processesMentioning(dir.path)).toEqual([]), { timeoutMs: 15_000 });
}

beforeAll(async () => {
  dir = await makeTempDir('tide-cron-restarts-');
  port = await freePort();
  const first = await startTide({ dataDir: dir.path, port, timeoutMs: 60_000 });
  tide = first;
  asAdmin = first.headers;
  const upload = await request(api('/artifacts'), { method: 'POST', body: CRON_APP, headers: asAdmin });
  const digest = ((await upload.body.json()) as { digest: string }).digest;
  await put('/namespaces/default/functions/ticker', {
    apiVersion: 'tide.dev/v1',
    kind: 'Function',
    metadata: { name: 'ticker' },
    spec: { source: { artifact: digest }, bindings: [{ name: 'SEEN', kv: 'seen' }], scale: { min: 1 } },
  });
}, 90_000);

afterAll(async () => {
  await stopTide(tide);
  await dir?.remove();
});

describe('a 1-second cron trigger across kill -9 restarts of tide up', () => {
  it(`fires each tick at most once over ${RESTARTS} restarts, skipping what a restart past the deadline missed`, async () => {
    await put('/namespaces/default/triggers/every-second', triggerManifest(false));
    let longKilledAt = 0;
    /** When the round after it killed tide up: the long restart's skips are recorded before. */
    let longOverAt = 0;
    /** When the last life of tide up began: the previous one was gone by then, and this one is never killed. */
    let lastLifeFrom = 0;
    /** What each life of tide up said of calls that failed: a fired tick whose call was lost. */
    const failures: string[] = [];
    const failuresIn = (output: string) => output.split('\n').filter((l) => /cron default\/every-second: .*fail/.test(l));
    const rounds: string[] = [];
    for (let round = 0; round < RESTARTS; round++) {
      const before = (await triggerStatus()).fired;
      // A new tick fired in this life of tide up (fired grows only by an accepted CronFired).
      await eventually(async () => expect((await triggerStatus()).fired).toBeGreaterThan(before), { timeoutMs: 60_000, intervalMs: 100 }).catch(
        (error: Error) => {
          throw new Error(`round ${round}: no tick fired: ${error.message}\n${tide?.output().slice(-3000)}`);
        },
      );
      const killedAt = Date.now();
      if (round === LONG_RESTART + 1) longOverAt = killedAt;
      failures.push(...failuresIn(tide!.output()));
      await killHard(tide!);
      tide = undefined;
      if (round === LONG_RESTART) {
        longKilledAt = killedAt;
        // Held down until the tick after the kill is past the deadline (plus a second of margin).
        await eventually(() => expect(Date.now()).toBeGreaterThan(killedAt + (DEADLINE_SECONDS + 2) * 1000), {
          timeoutMs: (DEADLINE_SECONDS + 5) * 1000,
          intervalMs: 200,
        });
      }
      lastLifeFrom = Date.now();
      tide = await startTide({ dataDir: dir.path, port, timeoutMs: 60_000 });
      rounds.push(`restart ${round}: down ${((Date.now() - killedAt) / 1000).toFixed(1)} s`);
    }
    // The last life: one more tick, then the trigger is suspended so that status and log hold still.
    const before = (await triggerStatus()).fired;
    await eventually(async () => expect((await triggerStatus()).fired).toBeGreaterThan(before), { timeoutMs: 60_000, intervalMs: 100 });
    await put('/namespaces/default/triggers/every-second', triggerManifest(true));
    failures.push(...failuresIn(tide!.output()));

    // Status and the log's events, read so that nothing moved in between.
    const { status, events } = await eventually(
      async () => {
        const first = await triggerStatus();
        const events = await stateEvents();
        const second = await triggerStatus();
        expect(second).toEqual(first);
        return { status: second, events };
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    const mine = events.filter((e) => (e.type === 'CronFired' || e.type === 'CronSkipped') && e.data.name === 'every-second');
    const accepted = mine.filter((e) => e.verdict.accepted);
    const fired = accepted.filter((e) => e.type === 'CronFired').map((e) => e.data.tick!);
    const skips = accepted.filter((e) => e.type === 'CronSkipped');
    const refused = mine.filter((e) => !e.verdict.accepted);

    // CronFired ticks unique and increasing, as the status counts them.
    expect(new Set(fired).size).toBe(fired.length);
    expect(fired).toEqual([...fired].sort((a, b) => a - b));
    expect(status.fired).toBe(fired.length);
    expect(status.skipped).toBe(skips.reduce((n, e) => n + e.data.count!, 0));

    // Every second from the first recorded tick to status.lastTick was fired or counted skipped, once.
    let previous: number | undefined;
    const gaps: string[] = [];
    for (const e of accepted) {
      const last = e.type === 'CronFired' ? e.data.tick! : e.data.lastTick!;
      const covers = e.type === 'CronFired' ? 1 : e.data.count!;
      if (previous !== undefined && (last - previous) / 1000 !== covers)
        gaps.push(`${e.type} at offset ${e.offset}: ${(last - previous) / 1000} s after the previous, covers ${covers}`);
      previous = last;
    }
    expect(gaps).toEqual([]);
    expect(status.lastTick).toBe(previous);

    // The restart held past the deadline: the ticks it missed were skipped as missed, none fired late beyond the deadline.
    const missedLong = skips.filter((e) => /missed by more than/.test(e.data.reason!) && e.data.lastTick! > longKilledAt && e.data.lastTick! < longOverAt);
    expect(missedLong.length, `no CronSkipped for the ${DEADLINE_SECONDS + 2} s restart`).toBeGreaterThan(0);
    // A tick fires within the deadline or not at all (2 s of slack: the plan's clock read and the append's stamp differ).
    const tooLate = accepted.filter((e) => e.type === 'CronFired' && Date.parse(e.time) - e.data.tick! > (DEADLINE_SECONDS + 2) * 1000);
    expect(tooLate.map((e) => `tick ${new Date(e.data.tick!).toISOString()} fired at ${e.time}`)).toEqual([]);

    // The calls the function recorded: at most one per tick, and only for ticks that fired. A kill
    // between a CronFired and its call loses that call (at most once); the last life is not killed,
    // so each tick it fired is called, once its calls in flight are done.
    const lastLife = accepted.filter((e) => e.type === 'CronFired' && Date.parse(e.time) > lastLifeFrom).map((e) => e.data.tick!);
    expect(lastLife.length).toBeGreaterThan(0);
    const keys = await eventually(
      async () => {
        const res = await request(`http://127.0.0.1:${port}/fn/default/ticker/keys`, { headersTimeout: 30_000 });
        const text = await res.body.text();
        if (res.statusCode !== 200) throw new Error(`listing the keys: ${res.statusCode} ${text}`);
        const names = JSON.parse(text) as string[];
        const called = new Set(names.map((k) => Number(k.split('/')[0])));
        expect(lastLife.filter((t) => !called.has(t)).map((t) => `tick ${new Date(t).toISOString()} of the last life not called`)).toEqual([]);
        return names;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const calls = new Map<number, number>();
    for (const key of keys) {
      const tick = Number(key.split('/')[0]);
      calls.set(tick, (calls.get(tick) ?? 0) + 1);
    }
    const duplicates = [...calls.values()].reduce((n, c) => n + c - 1, 0);
    const firedSet = new Set(fired);
    const unfired = [...calls.keys()].filter((t) => !firedSet.has(t));
    const uncalled = fired.filter((t) => !calls.has(t)).length;
    console.log(
      [
        `cron across ${RESTARTS} kill -9 restarts: fired ${fired.length} (late ${accepted.filter((e) => e.type === 'CronFired' && e.data.late).length}), ` +
          `skipped ${status.skipped} in ${skips.length} CronSkipped, refused CronFired/CronSkipped ${refused.length}, ` +
          `calls ${keys.length} for ${calls.size} ticks, duplicates ${duplicates}, fired but not called (killed in flight) ${uncalled}, fired in the last life ${lastLife.length}`,
        ...rounds.map((r) => `  ${r}`),
        ...failures.map((l) => `  ${l.trim()}`),
        ...skips.map((e) => `  skipped ${e.data.count} up to ${new Date(e.data.lastTick!).toISOString()}: ${e.data.reason}`),
      ].join('\n'),
    );
    expect(duplicates).toBe(0);
    expect(unfired).toEqual([]);
  }, 900_000);
});
