/**
 * Acceptance 2 of issue 11: a 1-second cron schedule across 10 kill -9 restarts of the process that
 * runs the engine: no tick fired twice (in the log or as a call), every tick either fired or
 * covered by a CronSkipped, and missed ticks handled per startingDeadlineSeconds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, decodeEvent, initialState, nextTick, openStateStore, STATE_TOPIC, type LoggedEvent } from '@tide/core';
import { functionManifest, newestRules, triggerManifest } from '@tide/core/testing';
import { openEmbeddedLog } from '@tide/log';
import { makeTempDir, waitFor } from '@tide/testkit/testing';

const DEADLINE_S = 2;
const ROUNDS = 10;

let work: { path: string; remove: () => Promise<void> };
let script: string;
let server: Server;
let callUrl: string;
/** scheduledTime of every call the function got, in arrival order. */
const calls: number[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  work = await makeTempDir('tide-cron-restarts-');
  script = join(work.path, 'cron-child.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('./cron-child.fixture.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: script,
    conditions: ['source'],
    logLevel: 'warning',
    // Bundled CommonJS dependencies call require().
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      calls.push((JSON.parse(body) as { scheduledTime: number }).scheduledTime);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"outcome":"ok","noRetry":false}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  callUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  server?.close();
  await work?.remove();
});

/** Starts the engine's process; resolves once it printed "ready". */
async function startChild(dir: string): Promise<{ child: ChildProcess; stderr: () => string }> {
  // A minimal environment: nothing of the test runner's leaks in (NODE_OPTIONS, extra CA certs).
  const child = spawn(process.execPath, [script, dir, callUrl], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`the cron process exited (${child.exitCode}): ${stderr}`);
      return stdout.includes('ready ');
    },
    { what: 'the cron process to be ready', timeoutMs: 20_000 },
  );
  return { child, stderr: () => stderr };
}

async function kill9(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

async function seedLog(dir: string): Promise<number> {
  const log = await openEmbeddedLog(dir);
  const store = await openStateStore({ log });
  const manifest = triggerManifest('every-second', { function: 'fn', cron: { schedule: '* * * * * *', startingDeadlineSeconds: DEADLINE_S } });
  await store.append([
    ...newestRules(),
    { type: 'NamespaceApplied', data: { name: 'ns' } },
    { type: 'FunctionApplied', data: { namespace: 'ns', manifest: functionManifest('fn') } },
    { type: 'TriggerApplied', data: { namespace: 'ns', manifest } },
  ]);
  const created = Date.parse(store.state().triggers.get('ns/every-second')!.metadata.creationTimestamp);
  await store.close();
  await log.close();
  return created;
}

/** The state stream as written, each event with the fold's verdict. */
async function readState(dir: string): Promise<{ event: LoggedEvent; accepted: boolean }[]> {
  const log = await openEmbeddedLog(dir, { readOnly: true });
  const out: { event: LoggedEvent; accepted: boolean }[] = [];
  let state = initialState;
  for await (const record of log.read(STATE_TOPIC, 0, { follow: false })) {
    const decoded = decodeEvent(record.offset, record.value);
    if (!decoded.ok) continue;
    const result = apply(state, decoded.event);
    state = result.state;
    out.push({ event: decoded.event, accepted: result.verdict.accepted });
  }
  await log.close();
  return out;
}

describe('a 1-second cron trigger across 10 kill -9 restarts of its process', () => {
  it('fires no tick twice, accounts for every tick, and skips only ticks missed by more than startingDeadlineSeconds', async () => {
    const dir = join(work.path, 'log');
    const created = await seedLog(dir);
    for (let round = 0; round < ROUNDS; round++) {
      const { child } = await startChild(dir);
      const before = calls.length;
      // Kill after 1 to 3 calls, so kills land at different points of a tick.
      await waitFor(() => calls.length >= before + 1 + (round % 3), { what: `round ${round}: calls from the cron process`, timeoutMs: 20_000 });
      await kill9(child);
      // Every other round stays down longer than the deadline, so that some ticks are missed beyond it.
      if (round % 2 === 1) {
        const downUntil = Date.now() + (DEADLINE_S + 1.5) * 1000;
        await waitFor(() => Date.now() >= downUntil, { what: 'the downtime to pass', timeoutMs: 10_000 });
      }
    }

    const cron = (await readState(dir)).filter(({ event }) => event.type === 'CronFired' || event.type === 'CronSkipped');
    const firedInLog = cron.flatMap(({ event }) => (event.type === 'CronFired' ? [event.data.tick] : []));
    expect(new Set(firedInLog).size, 'CronFired ticks in the log are unique').toBe(firedInLog.length);
    expect(
      cron.filter((c) => !c.accepted).map((c) => c.event),
      'no CronFired/CronSkipped refused by the fold',
    ).toEqual([]);
    expect(new Set(calls).size, 'the function was called once per tick at most').toBe(calls.length);
    const fired = new Set(firedInLog);
    expect(
      calls.filter((tick) => !fired.has(tick)),
      'every call is of a fired tick',
    ).toEqual([]);

    // Every tick from the first after creation to the last one recorded is fired or covered by a skip, in order.
    let previous = nextTick('* * * * * *', 'UTC', created)! - 1000;
    let skippedTicks = 0;
    for (const { event } of cron) {
      const appendedAt = Date.parse(event.time);
      if (event.type === 'CronFired') {
        expect(event.data.tick, 'fired ticks follow each other with no gap').toBe(previous + 1000);
        // The planner fired it within the deadline (the append follows the plan by a moment).
        expect(appendedAt - event.data.tick).toBeLessThan(DEADLINE_S * 1000 + 1000);
        previous = event.data.tick;
      } else if (event.type === 'CronSkipped') {
        expect(event.data.lastTick, 'a skip covers exactly the ticks since the previous one').toBe(previous + event.data.count * 1000);
        expect(event.data.reason).toBe(`missed by more than ${DEADLINE_S}s`);
        expect(appendedAt - event.data.lastTick).toBeGreaterThan(DEADLINE_S * 1000);
        skippedTicks += event.data.count;
        previous = event.data.lastTick;
      }
    }
    const late = cron.filter(({ event }) => event.type === 'CronFired' && event.data.late).length;
    const lost = fired.size - calls.length;
    console.log(
      `cron restarts: ${fired.size} ticks fired (${late} late), ${calls.length} called, ${lost} lost to kill -9 between append and call, ${skippedTicks} skipped`,
    );
    expect(skippedTicks, 'the long downtimes left ticks missed beyond the deadline').toBeGreaterThan(0);
    // At-most-once: a kill between CronFired and the call loses that call, never more than the ticks in flight.
    expect(lost).toBeLessThanOrEqual(ROUNDS * 3);
  }, 120_000);
});
