import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import { freePort, repoRoot, runCli, startTide, stopTide, type StartedTide } from '../support/tide-process.js';
import { ingressCases } from '../support/ingress.js';

/** How `tide up --ingress haproxy` programs haproxy from the log: pods as servers, maxconn, the activator, what stays with the gateway. */
const haproxy = ingressCases().find((c) => c.kind === 'haproxy')!;

describe.skipIf(haproxy.missing !== undefined)('the HAProxy ingress', () => {
  let dir: Awaited<ReturnType<typeof makeTempDir>>;
  let tide: StartedTide;
  const client = new Agent({ connections: 16 });

  beforeAll(async () => {
    dir = await makeTempDir('tide-haproxy-');
    tide = await startTide({ dataDir: dir.path, port: await freePort(), args: haproxy.args });
    const deployed = await runCli(['deploy', join(repoRoot, 'functions/sleep'), '--min', '1', '--max', '1', '--concurrency', '1'], { server: tide.url });
    expect(deployed.code, deployed.stderr).toBe(0);
  }, 60_000);

  afterAll(async () => {
    await client.close();
    await stopTide(tide);
    await dir?.remove();
  });

  /** haproxy's runtime API, as an operator reads it. */
  const admin = (command: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = createConnection(join(dir.path, 'haproxy', 'admin.sock'), () => socket.end(`${command}\n`));
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk.toString()));
      socket.on('end', () => resolve(answer));
      socket.on('error', reject);
    });
  /** The servers of sleep's first revision that hold a pod (idle slots are in maintenance): slot → { maxconn (slim), requests sent (stot), most at once (smax), now (scur) }. */
  const servers = async () => {
    const [header, ...rows] = (await admin('show stat')).split('\n');
    const cols = header!.slice(2).split(',');
    const at = (row: string[], name: string) => row[cols.indexOf(name)]!;
    const found = new Map<string, { slim: number; stot: number; smax: number; scur: number }>();
    for (const row of rows.map((r) => r.split(','))) {
      if (at(row, 'pxname') !== 'rev.default.sleep-00001' || ['BACKEND', 'activator'].includes(at(row, 'svname')) || at(row, 'status') === 'MAINT') continue;
      found.set(at(row, 'svname'), {
        slim: Number(at(row, 'slim')),
        stot: Number(at(row, 'stot')),
        smax: Number(at(row, 'smax')),
        scur: Number(at(row, 'scur')),
      });
    }
    return found;
  };
  const call = async (path: string, headers: Record<string, string> = {}) => {
    const res = await request(`${tide.url}${path}`, { dispatcher: client, headers });
    return { status: res.statusCode, text: await res.body.text() };
  };

  it('serves a ready pod as a server whose maxconn is the function’s concurrency, the path and query rewritten as the gateway does', async () => {
    // The revision's backend comes with a reload, which may finish a moment after the deploy saw its pod ready.
    await eventually(async () => expect((await servers()).size).toBe(1), { timeoutMs: 10_000, intervalMs: 50 });
    const pods = await servers();
    expect([...pods.values()][0]!.slim).toBe(1);
    expect(await call('/fn/default/sleep/any/path?ms=3')).toEqual({ status: 200, text: 'slept 3 ms\n' });
    expect(await call('/?ms=4', { host: 'sleep.default.localhost' })).toEqual({ status: 200, text: 'slept 4 ms\n' });
  });

  it('sends calls beyond the pod’s concurrency to the activator (the gateway), never a second one to the pod at once', async () => {
    const before = (await admin('show stat')).split('\n').find((r) => r.startsWith('rev.default.sleep-00001,activator,'));
    // One call holds the pod's only slot; once haproxy counts it, the next three find no free slot.
    // (Sent all at once, they could all pass the check before the first connection counted, and wait
    // in haproxy's queue for the pod instead: still never two at once, but not the activator.)
    const first = call('/fn/default/sleep?ms=1500');
    await eventually(async () => expect([...(await servers()).values()][0]!.scur).toBe(1), { timeoutMs: 10_000, intervalMs: 20 });
    const answers = await Promise.all([first, ...Array.from({ length: 3 }, () => call('/fn/default/sleep?ms=100'))]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    const stot = (row: string | undefined) => Number(row?.split(',')[7] ?? 0);
    const after = (await admin('show stat')).split('\n').find((r) => r.startsWith('rev.default.sleep-00001,activator,'));
    expect(stot(after) - stot(before)).toBeGreaterThanOrEqual(1);
    expect([...(await servers()).values()][0]!.smax).toBe(1);
  });

  it('gives a pod that becomes ready a server and takes it away when the pod goes, without a reload', async () => {
    const master = () => admin('show info').then((info) => /^Pid: (\d+)$/m.exec(info)?.[1]);
    const worker = await master();
    const scaled = await runCli(['scale', 'sleep', '--replicas', '2'], { server: tide.url });
    expect(scaled.code, scaled.stderr).toBe(0);
    await eventually(async () => expect((await servers()).size).toBe(2), { timeoutMs: 30_000, intervalMs: 100 });
    const down = await runCli(['scale', 'sleep', '--replicas', '1'], { server: tide.url });
    expect(down.code, down.stderr).toBe(0);
    await eventually(async () => expect((await servers()).size).toBe(1), { timeoutMs: 30_000, intervalMs: 100 });
    expect(await master()).toBe(worker);
  }, 70_000);

  it('leaves a function of access: token to the gateway: a call without a token is refused through haproxy too', async () => {
    const fn = (await (await request(`${tide.url}/apis/tide.dev/v1/namespaces/default/functions/sleep`, { headers: tide.headers })).body.json()) as {
      spec: Record<string, unknown>;
    };
    const res = await request(`${tide.url}/apis/tide.dev/v1/namespaces/default/functions/sleep`, {
      method: 'PUT',
      body: JSON.stringify({ apiVersion: 'tide.dev/v1', kind: 'Function', metadata: { name: 'sleep' }, spec: { ...fn.spec, access: 'token' } }),
      headers: { ...tide.headers, 'content-type': 'application/json' },
    });
    expect(res.statusCode, await res.body.text()).toBe(200);
    await eventually(async () => expect((await call('/fn/default/sleep?ms=1')).status).toBe(401), { timeoutMs: 10_000, intervalMs: 100 });
    expect(await call('/fn/default/sleep?ms=1', tide.headers)).toEqual({ status: 200, text: 'slept 1 ms\n' });
  });

  it('tells a pod haproxy serves who called, appended to the x-forwarded-for the caller sent, as the gateway does', async () => {
    const deployed = await runCli(['deploy', join(repoRoot, 'functions/echo'), '--min', '1', '--max', '1'], { server: tide.url });
    expect(deployed.code, deployed.stderr).toBe(0);
    const caller = new Agent({ localAddress: '127.0.0.2' });
    try {
      const seen = async () => {
        const res = await request(`${tide.url}/fn/default/echo?format=json`, { dispatcher: caller, headers: { 'x-forwarded-for': '198.51.100.7' } });
        expect(res.statusCode).toBe(200);
        return ((await res.body.json()) as { headers: Record<string, string> }).headers;
      };
      const echoPod = async () =>
        (await admin('show stat'))
          .split('\n')
          .find((r) => r.startsWith('rev.default.echo-00001,s1,'))
          ?.split(',');
      // echo's backend comes with a reload a moment after the deploy saw its pod ready.
      await eventually(async () => expect((await echoPod())?.[17]).toBe('UP'), { timeoutMs: 10_000, intervalMs: 50 });
      expect((await seen())['x-forwarded-for']).toBe('198.51.100.7, 127.0.0.2');
      // haproxy served it (the pod's server counted it), not the gateway.
      expect(Number((await echoPod())?.[7])).toBeGreaterThan(0);
    } finally {
      await caller.close();
    }
  }, 60_000);

  it('limits failed token checks per caller, not for all of haproxy’s callers together: the gateway sees each caller’s address', async () => {
    // Two callers on different loopback addresses (all of 127/8 is this machine's), each guessing tokens.
    const from = (localAddress: string) => new Agent({ localAddress });
    const callers = [from('127.0.0.2'), from('127.0.0.3')];
    const guess = async (caller: Agent) => {
      const res = await request(`${tide.url}/fn/default/sleep?ms=1`, { dispatcher: caller, headers: { authorization: 'Bearer tide_not-a-token' } });
      return { status: res.statusCode, text: await res.body.text() };
    };
    try {
      // sleep is access: token since the test above. The first caller guesses until the gateway stops it.
      let refused: { status: number; text: string } | undefined;
      for (let n = 0; n < 30 && refused === undefined; n++) {
        const answer = await guess(callers[0]!);
        if (answer.status === 429) refused = answer;
        else expect(answer.status).toBe(401);
      }
      expect(refused?.text).toContain('too many failed token checks from 127.0.0.2');
      // The second caller's guesses are its own: checked (401), not refused for the first one's.
      expect((await guess(callers[1]!)).status).toBe(401);
      expect((await guess(callers[0]!)).status).toBe(429);
    } finally {
      await Promise.all(callers.map((c) => c.close()));
    }
  });
});
