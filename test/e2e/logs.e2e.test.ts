import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { eventually, makeTempDir, waitFor } from '@tide/testkit/testing';
import { baseEnv, cliEntry, freePort, runCli, startTide, stopTide, type StartedTide } from '../support/tide-process.js';

/** `tide logs`: what a function's pods print, shipped by the node to the logs topic. */
let dir: Awaited<ReturnType<typeof makeTempDir>>;
let tide: StartedTide;

const CHATTY = `export default {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    console.log('serving ' + path);
    if (path === '/warn') console.error('something odd at ' + path);
    return new Response('ok ' + path);
  },
};
`;

/** Says when it starts (outside any call) and what each call greets (inside the call, so with its trace). */
const HELLO = `console.log('hello is starting');
export default {
  fetch(request) {
    const name = new URL(request.url).searchParams.get('name') ?? 'world';
    console.log('greeting ' + name);
    return new Response('Hello, ' + name + '!\\n');
  },
};
`;

beforeAll(async () => {
  dir = await makeTempDir('tide-logs-');
  await mkdir(join(dir.path, 'chatty'), { recursive: true });
  await writeFile(join(dir.path, 'chatty', 'index.mjs'), CHATTY);
  await mkdir(join(dir.path, 'hello'), { recursive: true });
  await writeFile(join(dir.path, 'hello', 'index.mjs'), HELLO);
  tide = await startTide({ dataDir: join(dir.path, 'data'), port: await freePort() });
  const deployed = await runCli(['deploy', join(dir.path, 'chatty')], { server: tide.url });
  expect(deployed.code, deployed.stderr).toBe(0);
  // Another function's output must not show up in chatty's logs.
  expect((await runCli(['deploy', join(dir.path, 'hello')], { server: tide.url })).code).toBe(0);
}, 60_000);

afterAll(async () => {
  await stopTide(tide);
  await dir?.remove();
});

const call = async (path: string) => {
  const res = await request(`${tide.url}/fn/default/chatty${path}`);
  expect(await res.body.text()).toBe(`ok ${path}`);
};

describe('tide logs', () => {
  it("prints what a function's pods printed, prefixed with the pod, stderr marked", async () => {
    await call('/first');
    await call('/warn');
    await eventually(
      async () => {
        const logs = await runCli(['logs', 'chatty'], { server: tide.url });
        expect(logs.code, logs.stderr).toBe(0);
        expect(logs.stdout).toMatch(/^\[chatty-00001-\w+\] serving \/first$/m);
        expect(logs.stdout).toMatch(/^\[chatty-00001-\w+\] ! something odd at \/warn$/m);
        expect(logs.stdout.indexOf('/first')).toBeLessThan(logs.stdout.indexOf('/warn'));
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    const last = await runCli(['logs', 'chatty', '--tail', '1'], { server: tide.url });
    expect(last.stdout.trim().split('\n')).toHaveLength(1);
    expect(last.stdout).toMatch(/something odd at \/warn/);
  });

  it('follows new lines with -f until stopped', async () => {
    const child = spawn(process.execPath, [cliEntry, 'logs', 'chatty', '-f', '--tail', '0'], {
      env: { ...baseEnv(), TIDE_SERVER: tide.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    try {
      // --tail 0 follows from wherever the logs topic ended when the request reached the server, and
      // nothing tells the test when that was (on a busy machine the CLI alone takes seconds to start):
      // a line printed before is rightly never shown. So call again, about once a second, until a
      // call's line comes through the follower.
      let checks = 0;
      await waitFor(
        async () => {
          if (child.exitCode !== null) throw new Error(`tide logs -f exited (${child.exitCode}): ${err}`);
          if (/^\[chatty-00001-\w+\] serving \/later$/m.test(out)) return true;
          if (checks++ % 10 === 0) await call('/later');
          return false;
        },
        { what: 'a line printed after `tide logs -f` started to come through it', timeoutMs: 30_000, intervalMs: 100 },
      );
      expect(out).not.toMatch(/\/first/); // --tail 0: only what came after
    } finally {
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
    }
  });

  it('names a function that does not exist, and a bad --tail', async () => {
    const missing = await runCli(['logs', 'nope'], { server: tide.url });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/logs of default\/nope \(404\): function default\/nope not found/);
    const bad = await runCli(['logs', 'chatty', '--tail', 'all'], { server: tide.url });
    expect(bad.stderr).toMatch(/--tail must be a whole number, got "all"/);
  });

  it('shows the trace id of the call that printed a line, within a second of the call, and none on lines printed outside calls', async () => {
    const follower = followLogs(['hello', '-f', '--tail', '0']);
    try {
      // As above, the follower may connect after a call: call again, with a new trace, until one's line comes through.
      const calledAt = new Map<string, number>();
      let seen: { traceId: string; ms: number } | undefined;
      let checks = 0;
      await waitFor(
        async () => {
          follower.alive();
          for (const [traceId, at] of calledAt) {
            const shownAt = follower.firstSeen(new RegExp(`^\\[hello-00001-\\w+\\] trace=${traceId} greeting ${traceId.slice(0, 8)}$`, 'm'));
            if (shownAt !== undefined) seen = { traceId, ms: shownAt - at };
          }
          if (seen) return true;
          if (checks++ % 50 === 0) {
            const traceId = newTraceId();
            calledAt.set(traceId, performance.now());
            await callHello(traceId);
          }
          return false;
        },
        { what: 'a line printed by hello in a call with our traceparent, shown by `tide logs -f` with its trace id', timeoutMs: 30_000, intervalMs: 20 },
      );
      // A figure, not an assertion (tests wait for conditions, not for time): the pipeline is
      // runtime → node agent → logs topic → API → CLI, and its one batching interval is the node's flush.
      console.log(`tide logs -f: call → line shown in ${seen!.ms.toFixed(0)} ms (trace ${seen!.traceId})`);
    } finally {
      await follower.stop();
    }
    const all = await runCli(['logs', 'hello'], { server: tide.url });
    expect(all.stdout).toMatch(/^\[hello-00001-\w+\] hello is starting$/m); // printed at import, in no call
  });

  it('keeps only the lines of one trace with --trace-id, in a followed stream too, and prints records with -o json', async () => {
    const wanted = newTraceId();
    const follower = followLogs(['hello', '-f', '--tail', '0', '--trace-id', wanted.toUpperCase()]);
    const others: string[] = [];
    try {
      // Each round calls with another trace first, then with the wanted one: once the wanted line
      // is shown, the other one, printed and shipped before it, would have been shown too had the
      // server not filtered it out.
      let checks = 0;
      await waitFor(
        async () => {
          follower.alive();
          if (follower.firstSeen(new RegExp(`trace=${wanted} greeting`)) !== undefined) return true;
          if (checks++ % 10 === 0) {
            const other = newTraceId();
            others.push(other);
            await callHello(other);
            await callHello(wanted);
          }
          return false;
        },
        { what: 'the line of the wanted trace in `tide logs -f --trace-id`', timeoutMs: 30_000, intervalMs: 50 },
      );
      for (const other of others) expect(follower.out()).not.toContain(other);
    } finally {
      await follower.stop();
    }
    const json = await runCli(['logs', 'hello', '--trace-id', wanted, '-o', 'json'], { server: tide.url });
    expect(json.code, json.stderr).toBe(0);
    const records = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.length).toBeGreaterThan(0);
    for (const record of records) {
      expect(record).toMatchObject({
        namespace: 'default',
        function: 'hello',
        revision: 'hello-00001',
        stream: 'stdout',
        traceId: wanted,
        line: `greeting ${wanted.slice(0, 8)}`,
      });
      expect(record.pod).toMatch(/^hello-00001-\w+$/);
      expect(Date.parse(record.time as string)).not.toBeNaN();
    }
  });

  it('names what is wrong with a malformed --trace-id and an unknown -o', async () => {
    const short = await runCli(['logs', 'hello', '--trace-id', 'abc123'], { server: tide.url });
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/--trace-id "abc123" must be 32 hexadecimal digits \(a W3C trace id, the second field of a traceparent\), not 6/);
    const notHex = await runCli(['logs', 'hello', '--trace-id', 'z'.repeat(32)], { server: tide.url });
    expect(notHex.stderr).toMatch(/--trace-id "z{32}" must be hexadecimal/);
    const output = await runCli(['logs', 'hello', '-o', 'yaml'], { server: tide.url });
    expect(output.stderr).toMatch(/-o "yaml": tide logs prints text or json/);
    const api = await request(`${tide.url}/apis/tide.dev/v1/namespaces/default/functions/hello/logs?traceId=nope`, { headers: tide.headers });
    expect(api.statusCode).toBe(400);
    expect(await api.body.text()).toMatch(/traceId \\"nope\\" must be hexadecimal/);
  });
});

function newTraceId(): string {
  return randomBytes(16).toString('hex');
}

/** Calls hello in the trace given (a traceparent we choose, as a caller's tracer would send); it prints `greeting <first 8 of the id>`. */
async function callHello(traceId: string): Promise<void> {
  const res = await request(`${tide.url}/fn/default/hello?name=${traceId.slice(0, 8)}`, {
    headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
  });
  expect(await res.body.text()).toBe(`Hello, ${traceId.slice(0, 8)}!\n`);
}

/** `tide logs <args>` running, its output kept with the time each line came. */
function followLogs(args: string[]) {
  const child = spawn(process.execPath, [cliEntry, 'logs', ...args], { env: { ...baseEnv(), TIDE_SERVER: tide.url }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: { line: string; at: number }[] = [];
  let partial = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const at = performance.now();
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) lines.push({ line, at });
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return {
    out: () => lines.map((l) => l.line).join('\n'),
    firstSeen: (pattern: RegExp) => lines.find((l) => pattern.test(l.line))?.at,
    alive: () => {
      if (child.exitCode !== null) throw new Error(`tide logs ${args.join(' ')} exited (${child.exitCode}): ${err}`);
    },
    stop: async () => {
      child.kill('SIGINT');
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    },
  };
}
