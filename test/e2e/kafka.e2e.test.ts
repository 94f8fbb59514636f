import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { request } from 'undici';
import { startMockKafka } from '@tide/log-kafka/testing';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import { freePort, repoRoot, runCli, startTideCommand, stopTide, type TideProcess } from '../support/tide-process.js';

/** One admin and one node bootstrap token for every control plane of the cluster, as infra/ gives them. */
const KAFKA_TOKENS = {
  TIDE_ADMIN_TOKEN: `tide_admin_${randomBytes(32).toString('hex')}`,
  TIDE_BOOTSTRAP_TOKEN: `tide_bootstrap_${randomBytes(32).toString('hex')}`,
};
const ADMIN_TOKEN = KAFKA_TOKENS.TIDE_ADMIN_TOKEN;
const asAdmin = { authorization: `Bearer ${ADMIN_TOKEN}` };
/**
 * Kafka mode on librdkafka's mock cluster: two control planes, two gateways and three nodes as
 * separate processes sharing nothing but Kafka (and HTTP for artifacts and calls).
 */
/**
 * Node lease grace of the control planes: short, so a killed node's pods move within the test, but
 * not so short that a renewal late on a loaded 2-core machine makes a live node NotReady while the
 * first test's pods are being placed (seen: 3 pods on 2 nodes at 3 s).
 */
const GRACE = 6;
let kafka: Awaited<ReturnType<typeof startMockKafka>>;
let dir: Awaited<ReturnType<typeof makeTempDir>>;
const planes = new Map<string, TideProcess>();
const gateways: TideProcess[] = [];
const nodes: TideProcess[] = [];
let env: Record<string, string>;
let ports: Record<string, number>;

const controlPlane = (name: string) =>
  startTideCommand({
    args: ['control-plane', '--port', String(ports[name]), '--data', join(dir.path, name), '--node-grace', String(GRACE)],
    env,
    ready: /control plane is up at/,
  });
/** Whether a control plane last said it leads (a stopped one cannot say otherwise: ask the others). */
const leads = (name: string) =>
  /leading the cluster/.test(
    planes
      .get(name)
      ?.output()
      .split('\n')
      .filter((l) => /leading/.test(l))
      .at(-1) ?? '',
  );
const leaderName = () => [...planes.keys()].find(leads);

beforeAll(async () => {
  kafka = await startMockKafka({ brokers: 3 });
  dir = await makeTempDir('tide-kafka-');
  // The control planes make these tokens (the first to start); nodes join with the bootstrap token.
  env = { TIDE_KAFKA_BROKERS: kafka.brokers.join(','), ...KAFKA_TOKENS };
  ports = { a: await freePort(), b: await freePort() };
  for (const name of ['a', 'b']) planes.set(name, await controlPlane(name));
  const servers = ['a', 'b'].map((n) => `http://127.0.0.1:${ports[n]}`).join(',');
  for (let i = 0; i < 2; i++) gateways.push(await startTideCommand({ args: ['gateway', '--port', String(await freePort())], env, ready: /gateway is up at/ }));
  for (let i = 1; i <= 3; i++) {
    // Each node on an address of its own (all loopback here), as on separate machines: gateways must call pods there.
    const address = ['--address', `127.0.0.${i}`];
    nodes.push(
      await startTideCommand({
        args: ['node', '--server', servers, '--name', `node-${i}`, '--data', join(dir.path, `node-${i}`), '--warm-pool', '0', ...address],
        env,
        ready: / is up \(boot /,
      }),
    );
  }
  await eventually(() => expect(leaderName()).toBeDefined(), { timeoutMs: 20_000, intervalMs: 100 });
  // Every control plane folds at its own pace: wait until the leader's view has all three nodes.
  for (const name of ['a', 'b']) {
    await eventually(
      async () => {
        const list = await request(`http://127.0.0.1:${ports[name]}/apis/tide.dev/v1/nodes`, { headers: asAdmin });
        const nodesSeen = ((await list.body.json()) as { items: { status: { ready: boolean } }[] }).items.filter((n) => n.status.ready);
        expect(nodesSeen).toHaveLength(3);
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
  }
}, 90_000);

afterAll(async () => {
  for (const p of [...nodes, ...gateways, ...planes.values()]) await stopTide(p);
  await kafka?.stop();
  await dir?.remove();
});

const cp = (name: string) => `http://127.0.0.1:${ports[name]}`;

describe('Tide on Kafka', () => {
  it('deploys through control plane A and answers through gateway B, with pods on three nodes', async () => {
    const deployed = await runCli(['deploy', join(repoRoot, 'functions/hello'), '--min', '3'], { server: cp('a'), token: ADMIN_TOKEN });
    expect(deployed.code, deployed.stderr).toBe(0);
    await eventually(
      async () => {
        const res = await request(`${gateways[1]!.url}/fn/default/hello`);
        expect(res.statusCode).toBe(200);
        expect(await res.body.text()).toBe('Hello, world!\n');
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    await eventually(
      async () => {
        const pods = JSON.parse((await runCli(['get', 'pods', '-o', 'json'], { server: cp('b'), token: ADMIN_TOKEN })).stdout) as {
          items: { spec: { node?: string }; status: { phase: string; endpoint?: string } }[];
        };
        const ready = pods.items.filter((p) => p.status.phase === 'Ready');
        expect(ready).toHaveLength(3);
        expect(new Set(ready.map((p) => p.spec.node)).size, `Ready pods on ${ready.map((p) => p.spec.node).join(', ')}`).toBe(3);
        for (const pod of ready) expect(new URL(pod.status.endpoint!).hostname).toBe(`127.0.0.${pod.spec.node!.slice('node-'.length)}`);
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
  }, 60_000);

  it('scales a function from zero on a call through a gateway, and back to zero', async () => {
    const deployed = await runCli(['deploy', join(repoRoot, 'functions/sleep'), '--min', '0', '--scale-to-zero-after', '1'], {
      server: cp('b'),
      token: ADMIN_TOKEN,
    });
    expect(deployed.code, deployed.stderr).toBe(0);
    const podsOf = async () =>
      (
        JSON.parse((await runCli(['get', 'pods', '-o', 'json'], { server: cp('a'), token: ADMIN_TOKEN })).stdout) as { items: { spec: { function: string } }[] }
      ).items.filter((p) => p.spec.function === 'sleep').length;
    await eventually(async () => expect(await podsOf()).toBe(0), { timeoutMs: 30_000, intervalMs: 200 });
    const started = Date.now();
    const res = await request(`${gateways[0]!.url}/fn/default/sleep?ms=1`, { headersTimeout: 30_000 });
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe('slept 1 ms\n');
    console.log(`Kafka mode: call at zero answered in ${Date.now() - started} ms`);
  }, 60_000);

  it('moves the pods of a node killed with -9 to the others', async () => {
    const victim = nodes.pop()!;
    const name = /node (node-\d)/.exec(victim.output())![1]!;
    victim.child.kill('SIGKILL');
    await victim.exited;
    await eventually(
      async () => {
        const pods = JSON.parse((await runCli(['get', 'pods', '-o', 'json'], { server: cp('a'), token: ADMIN_TOKEN })).stdout) as {
          items: { spec: { function: string; node?: string }; status: { phase: string } }[];
        };
        const hello = pods.items.filter((p) => p.spec.function === 'hello');
        expect(hello.filter((p) => p.status.phase === 'Ready' && p.spec.node !== name)).toHaveLength(3);
      },
      { timeoutMs: (GRACE + 20) * 1000, intervalMs: 200 },
    );
    expect((await request(`${gateways[1]!.url}/fn/default/hello`)).statusCode).toBe(200);
  }, 60_000);

  it('keeps deploying after kill -9 of the leading control plane: the other leads within seconds', async () => {
    const leader = leaderName()!;
    const other = leader === 'a' ? 'b' : 'a';
    const killedAt = Date.now();
    planes.get(leader)!.child.kill('SIGKILL');
    await planes.get(leader)!.exited;
    planes.delete(leader);
    await eventually(() => expect(leaderName()).toBe(other), { timeoutMs: (GRACE + 15) * 1000, intervalMs: 50 });
    console.log(`leader ${leader} killed; ${other} leads ${Date.now() - killedAt} ms later (lease grace ${GRACE} s)`);
    const deployed = await runCli(['deploy', join(repoRoot, 'functions/echo'), '--name', 'after-failover'], { server: cp(other), token: ADMIN_TOKEN });
    expect(deployed.code, deployed.stderr).toBe(0);
    const res = await request(`${gateways[0]!.url}/fn/default/after-failover`, { method: 'POST', body: 'still here' });
    expect(await res.body.text()).toBe('still here');
    const fns = JSON.parse((await runCli(['get', 'functions', '-o', 'json'], { server: cp(other), token: ADMIN_TOKEN })).stdout) as {
      items: { metadata: { name: string } }[];
    };
    expect(fns.items.map((f) => f.metadata.name).sort()).toEqual(['after-failover', 'hello', 'sleep']);
    planes.set(leader, await controlPlane(leader));
  }, 90_000);

  it('rejects what a stopped leader appends after it resumes, and it steps down', async () => {
    const leader = leaderName()!;
    const other = leader === 'a' ? 'b' : 'a';
    const stopped = planes.get(leader)!;
    const from = Number(
      JSON.parse((await runCli(['get', 'namespaces', '-o', 'json'], { server: cp(other), token: ADMIN_TOKEN })).stdout).metadata.resourceVersion,
    );
    stopped.child.kill('SIGSTOP');
    await eventually(() => expect(leads(other)).toBe(true), { timeoutMs: (GRACE + 15) * 1000, intervalMs: 50 });
    // Work the new leader does while the old one sleeps; the old one wakes up with stale state.
    expect(
      (await runCli(['deploy', join(repoRoot, 'functions/hello'), '--name', 'while-asleep', '--min', '2'], { server: cp(other), token: ADMIN_TOKEN })).code,
    ).toBe(0);
    stopped.child.kill('SIGCONT');
    // No wait after it steps down: nothing below depends on how many stale appends it made (the figure printed counts those in the log by now).
    await eventually(() => expect(stopped.output()).toMatch(/not leading/), { timeoutMs: 15_000, intervalMs: 50 });
    const events = (
      await runCli(['events', '--from', String(from)], { server: cp(other), token: ADMIN_TOKEN, timeoutMs: 3000 }).catch((e: Error) => ({ stdout: e.message }))
    ).stdout;
    const stale = events.split('\n').filter((line) => /REJECTED: stale controllers leader/.test(line));
    const accepted = events.split('\n').filter((line) => /PodBound|PodCreated|ScaleSet/.test(line) && !/REJECTED/.test(line));
    console.log(`stale leader: ${stale.length} events it appended after resuming were rejected; ${accepted.length} controller events accepted meanwhile`);
    // Gateway B learns of the function by folding the log itself: 404 until it has read the apply.
    await eventually(async () => expect((await request(`${gateways[1]!.url}/fn/default/while-asleep`)).statusCode).toBe(200), {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
  }, 90_000);

  it('keeps every acknowledged apply, once, over 20 kill -9 points of the control planes', async () => {
    const KILL_POINTS = 20;
    const acknowledged: string[] = [];
    for (let round = 0; round < KILL_POINTS; round++) {
      const names = [...planes.keys()];
      const victim = names[round % names.length]!;
      const survivor = names.find((n) => n !== victim)!;
      let stop = false;
      const writer = async (plane: string, w: number) => {
        for (let k = 0; k < 100 && !stop; k++) {
          const name = `k${round}-${plane}-${w}-${k}`;
          try {
            const res = await request(`${cp(plane)}/apis/tide.dev/v1/namespaces/${name}`, {
              method: 'PUT',
              body: JSON.stringify({ apiVersion: 'tide.dev/v1', kind: 'Namespace', metadata: { name } }),
              headers: { ...asAdmin, 'content-type': 'application/json' },
              headersTimeout: 10_000,
            });
            await res.body.dump();
            if (res.statusCode < 300) acknowledged.push(name);
          } catch {
            return; // its control plane died: this apply was not acknowledged
          }
        }
      };
      const burst = Promise.all([writer(victim, 0), writer(survivor, 1)]);
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 300));
      planes.get(victim)!.child.kill('SIGKILL');
      await planes.get(victim)!.exited;
      stop = true;
      await burst;
      planes.set(victim, await controlPlane(victim));
    }
    const any = [...planes.keys()][0]!;
    await eventually(
      async () => {
        const list = JSON.parse((await runCli(['get', 'namespaces', '-o', 'json'], { server: cp(any), token: ADMIN_TOKEN })).stdout) as {
          items: { metadata: { name: string } }[];
        };
        const present = new Set(list.items.map((n) => n.metadata.name));
        expect(acknowledged.filter((n) => !present.has(n))).toEqual([]);
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    const events = (
      await runCli(['events', '--from', '0'], { server: cp(any), token: ADMIN_TOKEN, timeoutMs: 4000 }).catch((e: Error) => ({ stdout: e.message }))
    ).stdout;
    const applied = new Map<string, number>();
    for (const line of events.split('\n')) {
      const match = /NamespaceApplied\s+(k\d+-\S+)/.exec(line);
      if (match && !/REJECTED/.test(line)) applied.set(match[1]!, (applied.get(match[1]!) ?? 0) + 1);
    }
    const duplicates = [...applied].filter(([, n]) => n > 1);
    console.log(`Kafka kill points: ${KILL_POINTS}; acknowledged applies ${acknowledged.length}, all present; accepted twice: ${duplicates.length}`);
    expect(applied.size).toBeGreaterThanOrEqual(acknowledged.length);
    expect(duplicates).toEqual([]);
  }, 240_000);
});
