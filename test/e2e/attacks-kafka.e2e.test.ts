import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeEvent, type EventInput, openStateStore, type StateStore, type Verdict, WRITER_HEADER } from '@tide/core';
import { openKafkaLog, type KafkaLog } from '@tide/log-kafka';
import { kcatAvailable, startMockKafka } from '@tide/log-kafka/testing';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startTideCommand, stopTide, type TideProcess } from '../support/tide-process.js';

/**
 * The forged-record attack on Kafka (librdkafka's mock cluster, when kcat is installed): a
 * control plane and a `tide node` that folds and appends to Kafka directly. The node stamps its
 * own writer on what it appends (no server stands between it and the topics); a record forged
 * through the control plane's log API, or appended to Kafka under a node's identity, is rejected
 * `forbidden` by the fold of every reader. (What the mock cannot show: that a node's SASL user
 * may not write records without the header, i.e. as a control plane. Real Kafka's ACLs in
 * infra/ give nodes' users no such right beyond their own topics: docs/component-identity.md says so.)
 */
const hex = () => randomBytes(32).toString('hex');
const ADMIN = `tide_admin_${hex()}`;
const BOOTSTRAP = `tide_bootstrap_${hex()}`;
let kafka: Awaited<ReturnType<typeof startMockKafka>> | undefined;
let dir: Awaited<ReturnType<typeof makeTempDir>>;
let controlPlane: TideProcess;
let node: TideProcess;
let url: string;
let log: KafkaLog;
let store: StateStore;

const envelope = (event: EventInput) => encodeEvent({ ...event, id: crypto.randomUUID(), time: new Date().toISOString() } as never);
const forgedDelete: EventInput = { type: 'NamespaceDeleted', data: { name: 'team-b' } };

beforeAll(async () => {
  if (!kcatAvailable()) return;
  kafka = await startMockKafka({ brokers: 1 });
  dir = await makeTempDir('tide-attacks-kafka-');
  const env = { TIDE_KAFKA_BROKERS: kafka.brokers.join(','), TIDE_ADMIN_TOKEN: ADMIN, TIDE_BOOTSTRAP_TOKEN: BOOTSTRAP };
  const port = await freePort();
  controlPlane = await startTideCommand({
    args: ['control-plane', '--port', String(port), '--data', join(dir.path, 'cp')],
    env,
    ready: /control plane is up at/,
    timeoutMs: 60_000,
  });
  url = `http://127.0.0.1:${port}`;
  const ns = await request(`${url}/apis/tide.dev/v1/namespaces/team-b`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'tide.dev/v1', kind: 'Namespace', metadata: { name: 'team-b' } }),
  });
  expect(ns.statusCode, await ns.body.text()).toBeLessThan(300);
  node = await startTideCommand({
    args: ['node', '--server', url, '--name', 'n1', '--data', join(dir.path, 'n1'), '--warm-pool', '0'],
    env: { TIDE_KAFKA_BROKERS: env.TIDE_KAFKA_BROKERS, TIDE_BOOTSTRAP_TOKEN: BOOTSTRAP },
    ready: / is up \(boot /,
    timeoutMs: 60_000,
  });
  log = await openKafkaLog({ brokers: kafka.brokers });
  store = await openStateStore({ log });
}, 120_000);

afterAll(async () => {
  await store?.close();
  await log?.close();
  await stopTide(node);
  await stopTide(controlPlane);
  await kafka?.stop();
  await dir?.remove();
});

async function verdictsOf(offsets: number[]): Promise<Verdict[]> {
  return Promise.all(offsets.map((offset) => store.waitFor(offset)));
}

describe.skipIf(!kcatAvailable())('attack on Kafka: a forged record', () => {
  it('a node on Kafka stamps its own identity on what it appends, and its registration is accepted under it', async () => {
    await eventually(() => expect(store.state().nodes.get('n1')?.status.ready).toBe(true), { timeoutMs: 30_000, intervalMs: 100 });
    const writers = new Set<string | undefined>();
    for await (const record of log.read('tide.state', 0, { follow: false })) {
      const event = JSON.parse(Buffer.from(record.value).toString('utf8')) as { type: string; data: { name?: string } };
      if (event.type === 'NodeRegistered' && event.data.name === 'n1') writers.add(record.headers[WRITER_HEADER]);
    }
    expect([...writers]).toEqual(['node:n1']);
  }, 60_000);

  it('a triggers process on Kafka stamps its own identity too, and still leads role triggers under it', async () => {
    const triggers = await startTideCommand({
      args: ['triggers', '--gateway', url, '--port', String(await freePort())],
      env: { TIDE_KAFKA_BROKERS: kafka!.brokers.join(',') },
      ready: /triggers is up at/,
      timeoutMs: 60_000,
    });
    try {
      const epoch = await eventually(() => Number(/triggers: leading \(epoch (\d+)\)/.exec(triggers.output())![1]), { timeoutMs: 30_000, intervalMs: 100 });
      // This test's own reader of the log folds that election when it has read it, not when the process says so.
      const leader = await eventually(() => {
        const found = store.state().leaders.triggers;
        expect(found?.epoch).toBe(epoch);
        return found!;
      });
      let writer: string | undefined;
      for await (const record of log.read('tide.state', Number(leader.resourceVersion), { follow: false })) {
        writer = record.headers[WRITER_HEADER];
        break;
      }
      expect(writer).toMatch(/^triggers:/);
    } finally {
      await stopTide(triggers);
    }
  }, 90_000);

  it("is rejected forbidden whether it comes through a Kafka control plane's log API with the node's token or straight to Kafka under the node's identity", async () => {
    const nodeToken = (await readFile(join(dir.path, 'n1', 'node.token'), 'utf8')).trim();
    const res = await request(`${url}/apis/tide.dev/v1/log/tide.state`, {
      method: 'POST',
      headers: { authorization: `Bearer ${nodeToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ records: [{ value: Buffer.from(envelope(forgedDelete)).toString('base64'), headers: { [WRITER_HEADER]: 'control-plane:x' } }] }),
    });
    expect(res.statusCode).toBe(200);
    const throughApi = ((await res.body.json()) as { offsets: number[] }).offsets;
    const direct = await log.append('tide.state', [{ value: envelope(forgedDelete), headers: { [WRITER_HEADER]: 'node:n1' } }]);
    const verdicts = await verdictsOf([...throughApi, ...direct]);
    expect(verdicts.map((v) => (v.accepted ? 'accepted' : v.code))).toEqual(['forbidden', 'forbidden']);
    expect(store.state().namespaces.has('team-b')).toBe(true);
    // The user-visible view: the namespace is still there.
    const seen = await request(`${url}/apis/tide.dev/v1/namespaces/team-b`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(seen.statusCode).toBe(200);
    await seen.body.text();
  }, 60_000);
});
