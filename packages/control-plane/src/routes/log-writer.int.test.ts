import { join } from 'node:path';
import { authenticate, encodeEvent, openStateStore, type Principal, type StateStore, WRITER_HEADER } from '@tide/core';
import { type EmbeddedLog, openEmbeddedLog } from '@tide/log';
import { makeTempDir } from '@tide/testkit/testing';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { startFreshLogOnNewestRules } from '../fresh-log-rules.js';
import { logRoutes } from './log.js';
import { nodeJoinRoutes } from './node-join.js';

const NODE: Principal = { kind: 'node', name: 'node-n1', node: 'n1' };
const GATEWAY: Principal = { kind: 'gateway', name: 'gw' };
const TRIGGERS: Principal = { kind: 'triggers', name: 'trig' };
const BOOTSTRAP: Principal = { kind: 'node-bootstrap', name: 'bootstrap' };
const ADMIN: Principal = { kind: 'user', name: 'admin', roles: [{ role: 'admin', namespaces: ['*'] }] };

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function harness() {
  const dir = await makeTempDir();
  const log = await openEmbeddedLog(join(dir.path, 'log'), { fsync: false });
  const store = await openStateStore({ log });
  await startFreshLogOnNewestRules(store);
  cleanup = async () => {
    await store.close();
    await log.close();
    await dir.remove();
  };
  // The auth middleware sets `principal`; here each request says who it is.
  const as = (principal: Principal) => {
    const app = new Hono();
    app.use('*', async (c, next) => {
      c.set('principal' as never, principal as never);
      await next();
    });
    app.route('/log', logRoutes({ store, log } as never));
    app.route('/nodes', nodeJoinRoutes({ store }));
    app.onError((error, c) => c.json({ message: error.message }, ((error as { status?: number }).status ?? 500) as 403));
    return app;
  };
  return { store, log, as };
}

const forgedDelete = (headers?: Record<string, string>) => ({
  records: [
    {
      value: Buffer.from(
        encodeEvent({ type: 'FunctionDeleted', data: { namespace: 'team-b', name: 'payments' }, id: crypto.randomUUID(), time: new Date().toISOString() }),
      ).toString('base64'),
      ...(headers ? { headers } : {}),
    },
  ],
});

async function post(app: Hono, path: string, body: unknown) {
  return app.request(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
}

async function headersAt(log: EmbeddedLog, topic: string, offset: number) {
  for await (const record of log.read(topic, offset, { follow: false })) return record.headers;
  return undefined;
}

async function verdictOf(store: StateStore, res: Response) {
  const { offsets } = (await res.json()) as { offsets: number[] };
  return { offset: offsets[0]!, verdict: await store.waitFor(offsets[0]!) };
}

describe('the log API stamps who appended', () => {
  it("stamps a node's identity on its records, replacing a writer header the client claimed, and the fold refuses its forged event", async () => {
    const { store, log, as } = await harness();
    const res = await post(as(NODE), '/log/tide.state', forgedDelete({ [WRITER_HEADER]: 'control-plane:cp', other: 'kept' }));
    expect(res.status).toBe(200);
    const { offset, verdict } = await verdictOf(store, res);
    expect(await headersAt(log, 'tide.state', offset)).toEqual({ other: 'kept', [WRITER_HEADER]: 'node:n1' });
    expect(verdict).toMatchObject({ accepted: false, code: 'forbidden' });
  });

  it("strips a claimed writer from a control plane's own appends (absent = a control plane)", async () => {
    const { log, as } = await harness();
    const res = await post(as({ kind: 'control-plane', name: 'cp' }), '/log/tide.metrics', {
      records: [{ value: Buffer.from('{}').toString('base64'), headers: { [WRITER_HEADER]: 'node:n9' } }],
    });
    const { offsets } = (await res.json()) as { offsets: number[] };
    expect(await headersAt(log, 'tide.metrics', offsets[0]!)).toEqual({});
  });
});

describe('the log API restricts topics per component', () => {
  it.each([
    ['a gateway appending to tide.state', GATEWAY, 'POST', '/log/tide.state', 403],
    ['a gateway appending a load report', GATEWAY, 'POST', '/log/tide.metrics', 200],
    ["a gateway reading a namespace's topic", GATEWAY, 'GET', '/log/bus.team-b.orders.0?follow=false', 403],
    ['a node appending to tide.invocations', NODE, 'POST', '/log/tide.invocations', 403],
    ['a node appending its lease', NODE, 'POST', '/log/tide.leases', 200],
    ["a node appending to a namespace's topic", NODE, 'POST', '/log/bus.team-b.orders.0', 403],
    ['a node committing a consumer group', NODE, 'PUT', '/log/tide.state/groups/g', 403],
    ['the triggers process committing a consumer group', TRIGGERS, 'PUT', '/log/bus.team-b.orders.0/groups/g', 200],
    ['the triggers process appending to tide.kv', TRIGGERS, 'POST', '/log/tide.kv', 403],
    ['a person reading the state stream', ADMIN, 'GET', '/log/tide.state?follow=false', 403],
    ['a bootstrap token reading the state stream', BOOTSTRAP, 'GET', '/log/tide.state/end', 403],
  ] as const)('%s', async (_what, principal, method, path, status) => {
    const { as } = await harness();
    const body = method === 'PUT' ? { offset: 0 } : { records: [{ value: Buffer.from('{}').toString('base64') }] };
    const res = await as(principal).request(path, {
      method,
      ...(method === 'GET' ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    expect(res.status, await res.clone().text()).toBe(status);
    if (status === 403) expect(((await res.json()) as { message: string }).message).toContain(path.split('/')[2]!.split('?')[0]);
  });
});

describe('POST /nodes/{name}/join', () => {
  it('gives the bootstrap token a credential of that node only; a re-join revokes the previous one', async () => {
    const { store, as } = await harness();
    const first = await post(as(BOOTSTRAP), '/nodes/n1/join', {});
    expect(first.status).toBe(201);
    const { token } = (await first.json()) as { token: string };
    const who = authenticate(store.state(), `Bearer ${token}`, Date.now());
    expect(who).toMatchObject({ ok: true, principal: { kind: 'node', node: 'n1', name: 'node-n1' } });

    const again = await post(as(BOOTSTRAP), '/nodes/n1/join', {});
    expect(again.status).toBe(201);
    const second = ((await again.json()) as { token: string }).token;
    expect(authenticate(store.state(), `Bearer ${token}`, Date.now())).toMatchObject({ ok: false, failure: 'invalid' });
    expect(authenticate(store.state(), `Bearer ${second}`, Date.now())).toMatchObject({ ok: true });
  });

  it('is refused to a node, a gateway and a person, and to a name no token can carry', async () => {
    const { as } = await harness();
    for (const principal of [NODE, GATEWAY, ADMIN]) expect((await post(as(principal), '/nodes/n2/join', {})).status).toBe(403);
    expect((await post(as(BOOTSTRAP), `/nodes/${'a'.repeat(59)}/join`, {})).status).toBe(422);
    expect((await post(as(BOOTSTRAP), '/nodes/Not_A_Name/join', {})).status).toBe(422);
  });
});
