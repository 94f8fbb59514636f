import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { request } from 'undici';
import { startRestartableMockKafka, type RestartableMockKafka } from '@tide/log-kafka/testing';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import { freePort, repoRoot, runCli, startTideCommand, stopTide, type TideProcess } from '../support/tide-process.js';

/** One admin and one node bootstrap token for every control plane of the cluster, as infra/ gives them. */
const KAFKA_TOKENS = {
  TIDE_ADMIN_TOKEN: `tide_admin_${randomBytes(32).toString('hex')}`,
  TIDE_BOOTSTRAP_TOKEN: `tide_bootstrap_${randomBytes(32).toString('hex')}`,
};
/**
 * The one fault the mock cluster cannot survive: all of it restarts, and it keeps nothing. Every
 * component must say so clearly and carry on once a broker is back — no hang, no crash loop —
 * with the cluster starting over from the (now empty) log.
 */
let kafka: RestartableMockKafka;
let dir: Awaited<ReturnType<typeof makeTempDir>>;
const processes = new Map<string, TideProcess>();
let ports: Record<string, number>;

const cp = (name: 'a' | 'b') => `http://127.0.0.1:${ports[name]}`;
const gatewayUrl = () => processes.get('gateway')!.url;
const linesOf = (name: string, pattern: RegExp) =>
  processes
    .get(name)!
    .output()
    .split('\n')
    .filter((line) => pattern.test(line));

beforeAll(async () => {
  kafka = await startRestartableMockKafka({ brokers: 3 });
  dir = await makeTempDir('tide-kafka-restart-');
  // The control planes make these tokens (the first to start); nodes join with the bootstrap token.
  const env = { TIDE_KAFKA_BROKERS: kafka.brokers.join(','), ...KAFKA_TOKENS };
  ports = { a: await freePort(), b: await freePort() };
  for (const name of ['a', 'b'] as const) {
    processes.set(
      name,
      await startTideCommand({
        args: ['control-plane', '--port', String(ports[name]), '--data', join(dir.path, name), '--node-grace', '3'],
        env,
        ready: /control plane is up at/,
      }),
    );
  }
  processes.set('gateway', await startTideCommand({ args: ['gateway', '--port', String(await freePort())], env, ready: /gateway is up at/ }));
  for (const name of ['node-1', 'node-2']) {
    processes.set(
      name,
      await startTideCommand({
        args: ['node', '--server', `${cp('a')},${cp('b')}`, '--name', name, '--data', join(dir.path, name), '--warm-pool', '0'],
        env,
        ready: / is up \(boot /,
      }),
    );
  }
}, 60_000);

afterAll(async () => {
  for (const p of processes.values()) await stopTide(p);
  await kafka?.close();
  await dir?.remove();
});

async function readyNodes(server: string): Promise<number> {
  const res = await request(`${server}/apis/tide.dev/v1/nodes`, { headers: { authorization: `Bearer ${KAFKA_TOKENS.TIDE_ADMIN_TOKEN}` } });
  return ((await res.body.json()) as { items: { status: { ready: boolean } }[] }).items.filter((n) => n.status.ready).length;
}

async function deployAndCall(server: string, name: string): Promise<void> {
  const deployed = await runCli(['deploy', join(repoRoot, 'functions/hello'), '--name', name, '--min', '2'], { server, token: KAFKA_TOKENS.TIDE_ADMIN_TOKEN });
  expect(deployed.code, deployed.stderr).toBe(0);
  await eventually(
    async () => {
      const res = await request(`${gatewayUrl()}/fn/default/${name}`);
      expect(res.statusCode).toBe(200);
      expect(await res.body.text()).toBe('Hello, world!\n');
    },
    { timeoutMs: 20_000, intervalMs: 100 },
  );
}

describe('Tide when the whole (mock) Kafka cluster restarts empty', () => {
  it('reports the outage, keeps serving what it knew, and starts over on the new cluster without a crash or a hang', async () => {
    await eventually(async () => expect(await readyNodes(cp('a'))).toBe(2), { timeoutMs: 20_000, intervalMs: 100 });
    await deployAndCall(cp('a'), 'before');
    const pids = new Map([...processes].map(([name, p]) => [name, p.child.pid]));

    await kafka.stop();
    const stoppedAt = Date.now();
    for (const name of processes.keys()) {
      await eventually(() => expect(linesOf(name, /event log: cannot reach Kafka at/)).not.toHaveLength(0), { timeoutMs: 20_000, intervalMs: 100 });
    }
    console.log(`every component reported the outage within ${Date.now() - stoppedAt} ms`);
    // Cut off from the log, the gateway still routes to the pods it knew, which still run.
    const served = await request(`${gatewayUrl()}/fn/default/before`);
    expect(served.statusCode).toBe(200);
    await served.body.dump();
    // A write cannot be accepted: a clear 503, at once once the outage is known (not after
    // kafkajs' retries), and not a hang.
    await new Promise((r) => setTimeout(r, 1_500));
    const writeStarted = Date.now();
    const refused = await runCli(['deploy', join(repoRoot, 'functions/hello'), '--name', 'during'], {
      server: cp('b'),
      token: KAFKA_TOKENS.TIDE_ADMIN_TOKEN,
      timeoutMs: 60_000,
    });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(
      /event log is unavailable: kafka append on tide\.(state|artifacts) via .* failed: the cluster has been unreachable for [\d.]+ s/,
    );
    console.log(`a deploy during the outage was refused after ${Date.now() - writeStarted} ms: ${refused.stderr.trim().split('\n').at(-1)}`);
    expect((await request(`${cp('a')}/readyz`)).statusCode).toBe(503);

    await kafka.start();
    const startedAt = Date.now();
    for (const name of processes.keys()) {
      await eventually(() => expect(linesOf(name, /event log: Kafka at .* answers again/)).not.toHaveLength(0), { timeoutMs: 30_000, intervalMs: 100 });
      await eventually(() => expect(linesOf(name, /Starting over from the log as it is now/)).not.toHaveLength(0), { timeoutMs: 30_000, intervalMs: 100 });
    }
    console.log(`every component was back on the new cluster within ${Date.now() - startedAt} ms`);
    expect(linesOf('a', /Starting over/)[0]).toMatch(/the state stream lost its history: tide\.state no longer holds the \d+ records this process had folded/);

    // The new cluster starts empty: nodes register again, `default` exists again, deploys work.
    await eventually(async () => expect(await readyNodes(cp('b'))).toBe(2), { timeoutMs: 30_000, intervalMs: 200 });
    expect((await request(`${cp('a')}/readyz`)).statusCode).toBe(200);
    await deployAndCall(cp('b'), 'after');
    const functions = JSON.parse((await runCli(['get', 'functions', '-o', 'json'], { server: cp('a'), token: KAFKA_TOKENS.TIDE_ADMIN_TOKEN })).stdout) as {
      items: { metadata: { name: string } }[];
    };
    expect(functions.items.map((f) => f.metadata.name)).toEqual(['after']);
    expect((await request(`${gatewayUrl()}/fn/default/before`)).statusCode).toBe(404);

    // Same processes throughout, and the outage was said once per process, not once per retry.
    for (const [name, p] of processes) {
      expect(p.child.exitCode, `${name} exited:\n${p.output()}`).toBeNull();
      expect(p.child.pid).toBe(pids.get(name));
      expect(linesOf(name, /event log: cannot reach Kafka/).length, p.output()).toBeLessThanOrEqual(2);
      expect(linesOf(name, /"logger":"kafkajs"/).length, p.output()).toBeLessThanOrEqual(5);
    }
  }, 180_000);
});
