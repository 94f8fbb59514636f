import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeEvent, encodeLease, type EventInput, openStateStore, type StateStore, type Verdict } from '@tide/core';
import { openHttpLog } from '@tide/log';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runCli, startTide, stopTide, type TideProcess } from '../support/tide-process.js';

/**
 * Issue 12's component-identity attacks against `tide up --nodes 2`, each of which once
 * succeeded: a record forged through the raw log API, a rogue `tide node`, and a forged leader.
 * Every one must now be refused at the door (401/403) or appended and rejected `forbidden` by
 * the fold, and the victim's function must keep serving from its own pods.
 */
const API = '/apis/tide.dev/v1';
const APP = "export default { fetch: () => new Response('team-b payments') };";
let dir: Awaited<ReturnType<typeof makeTempDir>>;
let tide: TideProcess;
let admin: string;
let bootstrap: string;
let nodeToken: string;
let gatewayToken: string;
let observer: { store: StateStore; close(): Promise<void> };
let artifact: string;

interface Answer {
  status: number;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: API answers, read field by field
  json: any;
}

async function api(path: string, options: { method?: string; token?: string | null; body?: unknown; authorization?: string } = {}): Promise<Answer> {
  const token = options.token === undefined ? admin : options.token;
  const authorization = options.authorization ?? (token ? `Bearer ${token}` : undefined);
  const res = await request(`${tide.url}${path}`, {
    method: (options.method ?? 'GET') as 'GET',
    headers: { ...(authorization ? { authorization } : {}), ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(options.body === undefined ? {} : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
  });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, text, json };
}

const envelope = (event: EventInput) => encodeEvent({ ...event, id: crypto.randomUUID(), time: new Date().toISOString() } as never);

/** Appends events to tide.state through the raw log API, as whoever `credential` says. */
const appendState = (credential: { token?: string | null; authorization?: string }, events: EventInput[], headers?: Record<string, string>) =>
  api(`${API}/log/tide.state`, {
    method: 'POST',
    ...credential,
    body: { records: events.map((e) => ({ value: Buffer.from(envelope(e)).toString('base64'), ...(headers ? { headers } : {}) })) },
  });

/** The fold's verdicts on what an append put in the log, as every process folding it sees them. */
async function verdictsOf(answer: Answer): Promise<Verdict[]> {
  expect(answer.status, answer.text).toBe(200);
  return Promise.all((answer.json.offsets as number[]).map((offset) => observer.store.waitFor(offset)));
}

const podsOf = async (fn: string) =>
  (
    (await api(`${API}/namespaces/team-b/pods`)).json.items as {
      metadata: { name: string };
      spec: { node?: string; function: string };
      status: { phase: string; endpoint?: string };
    }[]
  ).filter((p) => p.spec.function === fn);

async function callPayments(): Promise<{ status: number; text: string }> {
  const res = await request(`${tide.url}/fn/team-b/payments`, { headersTimeout: 30_000 });
  return { status: res.statusCode, text: await res.body.text() };
}

async function applyFunction(namespace: string, name: string, min: number) {
  const manifest = { apiVersion: 'tide.dev/v1', kind: 'Function', metadata: { name, namespace }, spec: { source: { artifact }, scale: { min } } };
  const answer = await api(`${API}/namespaces/${namespace}/functions/${name}`, { method: 'PUT', body: manifest });
  expect(answer.status, answer.text).toBeLessThan(300);
}

beforeAll(async () => {
  dir = await makeTempDir('tide-attacks-');
  tide = await startTide({ dataDir: dir.path, port: await freePort(), args: ['--nodes', '2', '--warm-pool', '0'], timeoutMs: 90_000 });
  admin = (await readFile(join(dir.path, 'admin.token'), 'utf8')).trim();
  bootstrap = (await readFile(join(dir.path, 'bootstrap.token'), 'utf8')).trim();
  nodeToken = (await readFile(join(dir.path, 'nodes', 'node-1', 'node.token'), 'utf8')).trim();
  for (const name of ['team-a', 'team-b']) {
    const ns = await api(`${API}/namespaces/${name}`, { method: 'PUT', body: { apiVersion: 'tide.dev/v1', kind: 'Namespace', metadata: { name } } });
    expect(ns.status, ns.text).toBeLessThan(300);
  }
  const upload = await api(`${API}/artifacts`, { method: 'POST', body: APP });
  expect(upload.status, upload.text).toBeLessThan(300);
  artifact = upload.json.digest;
  const minted = await api(`${API}/tokens`, {
    method: 'POST',
    body: { apiVersion: 'tide.dev/v1', kind: 'Token', metadata: { name: 'attack-gateway' }, spec: { subject: { kind: 'gateway' } } },
  });
  expect(minted.status, minted.text).toBe(201);
  gatewayToken = minted.json.token;
  // Two pods, spread over node-1 and node-2: the victim.
  await applyFunction('team-b', 'payments', 2);
  await eventually(
    async () => {
      const ready = (await podsOf('payments')).filter((p) => p.status.phase === 'Ready');
      expect(ready.map((p) => p.spec.node).sort()).toEqual(['node-1', 'node-2']);
      expect(await callPayments()).toEqual({ status: 200, text: 'team-b payments' });
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  // What every process folding the log sees: the fold's verdicts, read through node-1's own credential.
  const log = openHttpLog(tide.url, { token: nodeToken });
  const store = await openStateStore({ log });
  observer = {
    store,
    async close() {
      await store.close();
      await log.close();
    },
  };
}, 180_000);

afterAll(async () => {
  await observer?.close();
  await stopTide(tide);
  await dir?.remove();
});

/** The victim still serves its own callers, from the pods it had, on node-1 and node-2. */
async function victimUnharmed(endpointsBefore: string[]) {
  expect((await api(`${API}/namespaces/team-b/functions/payments`)).status).toBe(200);
  const pods = (await podsOf('payments')).filter((p) => p.status.phase === 'Ready');
  expect(pods.map((p) => p.status.endpoint).sort()).toEqual(endpointsBefore);
  for (let i = 0; i < 6; i++) expect(await callPayments()).toEqual({ status: 200, text: 'team-b payments' });
}

const readyEndpoints = async () =>
  (await podsOf('payments'))
    .filter((p) => p.status.phase === 'Ready')
    .map((p) => p.status.endpoint!)
    .sort();

describe('attack: a record forged through the raw log API', () => {
  it("is refused to no token, a malformed or wrong one, a person's admin token, the bootstrap token and a gateway's; a node's is appended and rejected forbidden by the fold", async () => {
    const before = await readyEndpoints();
    const onNode2 = (await podsOf('payments')).find((p) => p.spec.node === 'node-2')!;
    const forged: EventInput[] = [
      { type: 'FunctionDeleted', data: { namespace: 'team-b', name: 'payments' } },
      // Points the victim's route at the attacker: a Ready pod at an address the attacker serves.
      {
        type: 'PodStatusReported',
        data: { namespace: 'team-b', name: onNode2.metadata.name, node: 'node-2', bootId: 'forged', phase: 'Ready', endpoint: '127.0.0.1:1', restartCount: 0 },
      },
    ];
    expect((await appendState({ token: null }, forged)).status).toBe(401);
    expect((await appendState({ authorization: 'Bearer not-a-token' }, forged)).status).toBe(401);
    expect((await appendState({ authorization: `Bearer ${admin.slice(0, -4)}0000` }, forged)).status).toBe(401);
    const asAdmin = await appendState({ token: admin }, forged);
    expect(asAdmin.status, asAdmin.text).toBe(403);
    const asBootstrap = await appendState({ token: bootstrap }, forged);
    expect(asBootstrap.status, asBootstrap.text).toBe(403);
    const asGateway = await appendState({ token: gatewayToken }, forged);
    expect(asGateway.status, asGateway.text).toBe(403);
    expect(asGateway.text).toContain('tide.state');
    // The node claims, in the header, to be a control plane: the server stamps who it really is.
    const verdicts = await verdictsOf(await appendState({ token: nodeToken }, forged, { 'tide-writer': 'control-plane:forged' }));
    expect(verdicts.map((v) => (v.accepted ? 'accepted' : v.code))).toEqual(['forbidden', 'forbidden']);
    await victimUnharmed(before);
  }, 60_000);
});

describe('attack: a rogue node', () => {
  it('without a credential, or with a wrong bootstrap token, is refused and never registers', async () => {
    const none = await runCli(['node', '--server', tide.url, '--name', 'rogue-1', '--data', join(dir.path, 'rogue-1')], { server: tide.url });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/node rogue-1 has no credential/);
    const wrongFile = join(dir.path, 'wrong-bootstrap.token');
    await writeFile(wrongFile, `tide_bootstrap_${'ab'.repeat(32)}\n`);
    const wrong = await runCli(['node', '--server', tide.url, '--name', 'rogue-2', '--data', join(dir.path, 'rogue-2'), '--bootstrap-token-file', wrongFile], {
      server: tide.url,
    });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/node rogue-2 could not join: .* 401/);
    const nodes = (await api(`${API}/nodes`)).json.items.map((n: { metadata: { name: string } }) => n.metadata.name).sort();
    expect(nodes).toEqual(['node-1', 'node-2']);
  }, 60_000);

  it("with node-1's credential cannot register as node-2, report or remove node-2's pods, nor read pods, secrets or the API", async () => {
    const before = await readyEndpoints();
    const onNode2 = (await podsOf('payments')).find((p) => p.spec.node === 'node-2')!;
    // A `tide node` process calling itself node-2 with node-1's credential does not start.
    const stolen = join(dir.path, 'rogue-3');
    await mkdir(stolen, { recursive: true });
    await writeFile(join(stolen, 'node.token'), `${nodeToken}\n`, { mode: 0o600 });
    const impostor = await runCli(['node', '--server', tide.url, '--name', 'node-2', '--data', stolen], { server: tide.url });
    expect(impostor.code).toBe(2);
    expect(impostor.stderr).toMatch(/credential of token node-node-1, not one of node node-2/);
    // Nor does it get anywhere speaking the raw log API itself.
    const verdicts = await verdictsOf(
      await appendState({ token: nodeToken }, [
        {
          type: 'NodeRegistered',
          data: { name: 'node-2', bootId: 'rogue', address: '127.0.0.1', capacity: { memoryMb: 1024, cpuMilli: 1000, pods: 10 }, labels: {}, taints: [] },
        },
        {
          type: 'PodStatusReported',
          data: { namespace: 'team-b', name: onNode2.metadata.name, node: 'node-2', bootId: 'rogue', phase: 'Exited', restartCount: 0, reason: 'forged' },
        },
        { type: 'PodRemoved', data: { namespace: 'team-b', name: onNode2.metadata.name, node: 'node-2' } },
        // Claiming node-2's pod as its own: the pod is bound to node-2, not to it.
        {
          type: 'PodStatusReported',
          data: { namespace: 'team-b', name: onNode2.metadata.name, node: 'node-1', bootId: 'rogue', phase: 'Ready', endpoint: '127.0.0.1:1', restartCount: 0 },
        },
      ]),
    );
    expect(verdicts.map((v) => (v.accepted ? 'accepted' : v.code))).toEqual(['forbidden', 'forbidden', 'forbidden', 'forbidden']);
    // The API is not a node's: no pods, no secrets, no functions.
    for (const path of [`${API}/namespaces/team-b/pods`, `${API}/namespaces/team-b/secrets`, `${API}/namespaces/team-b/functions/payments`]) {
      const answer = await api(path, { token: nodeToken });
      expect([403, 404], `${path}: ${answer.status} ${answer.text}`).toContain(answer.status);
    }
    expect(observer.store.state().nodes.get('node-2')?.status.ready).toBe(true);
    await victimUnharmed(before);
  }, 60_000);
});

describe('attack: a forged leader', () => {
  it('LeaderElected and lease renewals for role controllers from a node or a person are refused or ignored, and the controllers go on working', async () => {
    const leader = observer.store.state().leaders.controllers!;
    const forged: EventInput = {
      type: 'LeaderElected',
      data: { role: 'controllers', epoch: leader.epoch + 1, holder: 'attacker' },
      expect: Number(leader.resourceVersion),
    };
    expect((await appendState({ token: admin }, [forged])).status).toBe(403);
    expect((await appendState({ token: gatewayToken }, [forged])).status).toBe(403);
    const [verdict] = await verdictsOf(await appendState({ token: nodeToken }, [forged]));
    expect(verdict).toMatchObject({ accepted: false, code: 'forbidden' });
    expect(observer.store.state().leaders.controllers?.holder).toBe(leader.holder);

    // Renewals of the attacker's "epoch" (and a member speaking old rules), kept up while we deploy.
    const renew = () =>
      api(`${API}/log/tide.leases`, {
        method: 'POST',
        token: nodeToken,
        body: {
          records: [
            {
              key: 'leader.controllers',
              value: Buffer.from(encodeLease({ node: 'leader.controllers', bootId: String(leader.epoch + 1), at: Date.now() })).toString('base64'),
            },
            {
              key: 'control-plane.attacker',
              value: Buffer.from(encodeLease({ node: 'control-plane.attacker', bootId: 'attacker', at: Date.now(), rules: 1 })).toString('base64'),
            },
          ],
        },
      });
    expect((await renew()).status).toBe(200);
    let renewing = true;
    const renewals = (async () => {
      while (renewing) await Promise.all([renew(), new Promise((r) => setTimeout(r, 250))]);
    })();
    try {
      // A deploy right after the attack: its pod is created, bound and Ready without waiting out a grace period.
      await applyFunction('team-a', 'after-attack', 1);
      await eventually(
        async () => {
          const pods = ((await api(`${API}/namespaces/team-a/pods`)).json.items as { spec: { function: string }; status: { phase: string } }[]).filter(
            (p) => p.spec.function === 'after-attack',
          );
          expect(pods.map((p) => p.status.phase)).toEqual(['Ready']);
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );
    } finally {
      renewing = false;
      await renewals;
    }
    expect(observer.store.state().leaders.controllers?.holder).toBe(leader.holder);
  }, 90_000);
});
