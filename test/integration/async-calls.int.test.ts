import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { metrics } from '@opentelemetry/api';
import { systemClock } from '@tide/core';
import { startControlPlane, type RunningControlPlane } from '@tide/control-plane';
import { startGateway, type RunningGateway } from '@tide/gateway';
import { nodeCredential, startNode, type RunningNode } from '@tide/node-agent';
import type { TopicBus } from '@tide/topics';
import { gatewayDispatcher, runAsyncWorker, type AsyncWorker, type GatewayDispatcher } from '@tide/triggers';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/tide-process.js';

/**
 * Acceptance 3 of issue 11: 1 000 async calls through a real gateway to a function on a real node
 * whose pods are killed (SIGKILL) at random while calls run; the async worker delivers them
 * through the gateway. Every activation must end succeeded or dead-lettered, none lost, each
 * readable by id from the control plane, and each callback URL called exactly once.
 */
const CALLS = 1000;
const MAX_KILLS = 12;

let dir: Awaited<ReturnType<typeof makeTempDir>>;
let controlPlane: RunningControlPlane;
let gateway: RunningGateway;
let node: RunningNode;
let dispatcher: GatewayDispatcher;
let worker: AsyncWorker;
let callbacks: Server;
const callbackHits = new Map<string, number>();
const lines: string[] = [];
const client = new Agent({ connections: 32 });
let admin: string;
const asAdmin = () => ({ authorization: `Bearer ${admin}` });

// Each call takes 100-300 ms, so kills land while calls run.
const FUNCTION_MODULE = `export default {
  async fetch(request) {
    const body = await request.text();
    await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
    return new Response('done ' + body);
  },
};
`;

beforeAll(async () => {
  dir = await makeTempDir('tide-async-acceptance-');
  const loopback = { port: 0, host: '127.0.0.1' };
  const report = (line: string) => lines.push(line);
  const controlPlaneDir = join(dir.path, 'control-plane');
  controlPlane = await startControlPlane({
    log: { source: { kind: 'embedded', dataDir: controlPlaneDir } },
    dataDir: controlPlaneDir,
    listen: loopback,
    nodeGraceSeconds: 10,
    report,
  });
  const api = controlPlane.url!;
  admin = controlPlane.adminToken!;
  // The gateway and the node each with a credential of their own, as separate processes hold.
  const minted = await request(`${api}/apis/tide.dev/v1/tokens`, {
    method: 'POST',
    headers: { ...asAdmin(), 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'tide.dev/v1', kind: 'Token', metadata: { name: 'gateway-1' }, spec: { subject: { kind: 'gateway' } } }),
  });
  const gatewayToken = ((await minted.body.json()) as { token: string }).token;
  gateway = await startGateway({ log: { source: { kind: 'http', server: api, token: gatewayToken } }, listen: loopback, report });
  const nodeDir = join(dir.path, 'node-a');
  const token = await nodeCredential({ dataDir: nodeDir, node: 'node-a', servers: api, bootstrapToken: controlPlane.bootstrapToken!, report });
  node = await startNode({
    log: { source: { kind: 'http', server: api, token } },
    token,
    name: 'node-a',
    dataDir: nodeDir,
    artifacts: { servers: api },
    capacity: { memoryMb: 2048, cpuMilli: 4000, pods: 10 },
    warmPoolSize: 0,
    report,
  });
  callbacks = createServer((req, res) => {
    const id = String(req.headers['x-activation-id']);
    callbackHits.set(id, (callbackHits.get(id) ?? 0) + 1);
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve) => callbacks.listen(0, '127.0.0.1', resolve));
  dispatcher = gatewayDispatcher({ gatewayUrl: gateway.url! });
  worker = await runAsyncWorker(
    {
      store: controlPlane.state.store,
      log: controlPlane.state.log,
      bus: { publish: () => Promise.reject(new Error('no dead-letter topic in this test')) } as unknown as TopicBus,
      openExternalBus: () => Promise.reject(new Error('no external bus in this test')),
      dispatcher,
      clock: systemClock,
      meter: metrics.getMeter('async-acceptance'),
      identity: 'async-acceptance',
      report,
      onError: (error) => lines.push(`error: ${error.message}`),
    },
    { maxConcurrent: 64 },
  );
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await dispatcher?.close();
  await new Promise<void>((resolve) => (callbacks ? callbacks.close(() => resolve()) : resolve()));
  await node?.stop();
  await gateway?.stop();
  await controlPlane?.stop();
  await client.close();
  await dir?.remove();
});

async function deploy(api: string): Promise<void> {
  const upload = await request(`${api}/apis/tide.dev/v1/artifacts`, { method: 'POST', body: FUNCTION_MODULE, headers: asAdmin() });
  const { digest } = (await upload.body.json()) as { digest: string };
  const manifest = {
    apiVersion: 'tide.dev/v1',
    kind: 'Function',
    metadata: { name: 'work' },
    spec: {
      source: { artifact: digest },
      concurrency: 50,
      scale: { min: 3, max: 3 },
      // Pods are killed on purpose: enough retries that calls outlive a few crashes of their pod.
      async: { maxRetries: 10, retryDelaySeconds: 0.2 },
    },
  };
  const applied = await request(`${api}/apis/tide.dev/v1/namespaces/default/functions/work`, {
    method: 'PUT',
    body: JSON.stringify(manifest),
    headers: { ...asAdmin(), 'content-type': 'application/json' },
  });
  expect(applied.statusCode, await applied.body.text()).toBe(201);
  await eventually(() => expect(node.node.agent.pods().filter((p) => p.phase === 'Ready')).toHaveLength(3), { timeoutMs: 30_000, intervalMs: 50 });
}

interface Activation {
  id: string;
  status: string;
  attempts: number;
  result?: { status: number; body: string };
  callback?: string;
}

describe('acceptance 3: async calls with random pod crashes', () => {
  it(`ends each of ${CALLS} calls succeeded or dead-lettered, none lost, readable by id, each callback called once`, { timeout: 180_000 }, async () => {
    const api = controlPlane.url!;
    await deploy(api);
    const callbackUrl = `http://127.0.0.1:${(callbacks.address() as AddressInfo).port}/done`;

    // Kill a random ready pod each time another share of the calls has ended (a condition, not a
    // clock), so the kills land while calls run however fast or busy the machine is.
    let kills = 0;
    let allEnded = false;
    const startedAt = Date.now();
    const readyPods = () => node.node.agent.pods().filter((p) => p.phase === 'Ready' && p.pid !== undefined);
    const killer = (async () => {
      for (let k = 1; k <= MAX_KILLS && !allEnded; k++) {
        const threshold = Math.floor((k * CALLS) / (MAX_KILLS + 1));
        // A crash takes one pod of several: the node restarts it with back-off (1 s, doubling), while the others serve.
        const due = await eventually(() => expect(allEnded || (callbackHits.size >= threshold && readyPods().length >= 2)).toBe(true), {
          timeoutMs: 150_000,
          intervalMs: 50,
        }).then(
          () => !allEnded,
          () => false,
        );
        if (!due) return;
        const ready = readyPods();
        const victim = ready[Math.floor(Math.random() * ready.length)];
        if (victim === undefined) continue;
        try {
          process.kill(victim.pid!, 'SIGKILL');
          kills += 1;
        } catch {
          // Already gone.
        }
      }
    })();

    const ids: string[] = [];
    for (let batch = 0; batch < CALLS / 50; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const n = batch * 50 + i;
          const res = await request(`${gateway.url}/async/default/work/job?n=${n}`, {
            dispatcher: client,
            method: 'POST',
            headers: { 'x-callback-url': callbackUrl },
            body: `call-${n}`,
          });
          expect(res.statusCode).toBe(202);
          const { activationId } = (await res.body.json()) as { activationId: string };
          expect(res.headers['x-activation-id']).toBe(activationId);
          return activationId;
        }),
      );
      ids.push(...answers);
    }
    const sentMs = Date.now() - startedAt;
    expect(new Set(ids).size).toBe(CALLS);

    // Every activation ends, its callback delivered, as the control plane serves it.
    const ended = new Map<string, Activation>();
    await eventually(
      async () => {
        for (const id of ids) {
          if (ended.has(id)) continue;
          const res = await request(`${api}/apis/tide.dev/v1/namespaces/default/activations/${id}`, { dispatcher: client, headers: asAdmin() });
          const body = (await res.body.json()) as Activation;
          if (res.statusCode === 200 && (body.status === 'succeeded' || body.status === 'dead-lettered') && body.callback === 'delivered') ended.set(id, body);
        }
        expect(ended.size).toBe(CALLS);
      },
      { timeoutMs: 150_000, intervalMs: 500 },
    );
    allEnded = true;
    const endedMs = Date.now() - startedAt;
    await killer;

    const byStatus = { succeeded: 0, 'dead-lettered': 0 };
    let retried = 0;
    for (const [id, activation] of ended) {
      byStatus[activation.status as keyof typeof byStatus] += 1;
      if (activation.attempts > 1) retried += 1;
      if (activation.status === 'succeeded') expect(activation.result).toMatchObject({ status: 200, body: expect.stringMatching(/^done call-\d+$/) });
      expect(callbackHits.get(id), `callbacks of ${id}`).toBe(1);
    }
    expect(callbackHits.size).toBe(CALLS);
    const listed = await request(`${api}/apis/tide.dev/v1/namespaces/default/activations?function=work&limit=5`, { dispatcher: client, headers: asAdmin() });
    expect(((await listed.body.json()) as { items: unknown[] }).items).toHaveLength(5);
    console.log(
      `acceptance 3: ${CALLS} calls, ${kills} pods killed, ${byStatus.succeeded} succeeded, ${byStatus['dead-lettered']} dead-lettered, ${retried} needed a retry; all accepted in ${sentMs} ms, all ended in ${endedMs} ms`,
    );
    expect(kills).toBeGreaterThan(0);
    expect(lines.filter((l) => l.startsWith('error:'))).toEqual([]);
  });

  it('tide invoke --async prints the activation id; tide activations and tide activation get show how it ended', async () => {
    const api = controlPlane.url!;
    // In tide up the API and the gateway share one address; here each command is pointed at its own.
    const invoked = await runCli(['invoke', 'work', '--async', '--data', 'from-cli', '--path', '/cli'], { server: gateway.url! });
    expect(invoked.code, invoked.stderr).toBe(0);
    const id = invoked.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const shown = await eventually(
      async () => {
        const got = await runCli(['activation', 'get', id, '-o', 'json'], { server: api, token: admin });
        expect(got.code, got.stderr).toBe(0);
        const activation = JSON.parse(got.stdout) as Activation;
        expect(activation.status).toBe('succeeded');
        return activation;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(shown.result).toMatchObject({ status: 200, body: 'done from-cli' });
    const described = await runCli(['activation', 'get', id], { server: api, token: admin });
    expect(described.stdout).toMatch(/Status: +succeeded/);
    const listed = await runCli(['activations', 'work', '--limit', '3'], { server: api, token: admin });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.split('\n')[0]).toMatch(/^ID +FUNCTION +STATUS +ATTEMPTS +DURATION +AGE$/);
    expect(listed.stdout).toContain(id);
    const missing = await runCli(['activation', 'get', 'no-such-id'], { server: api, token: admin });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/activation default\/no-such-id not found/);
  });
});
