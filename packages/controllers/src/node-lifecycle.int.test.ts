import { encodeLease, LEASES_TOPIC, openStateStore, type StateStore } from '@tide/core';
import { createMemoryLog } from '@tide/log/testing';
import { eventually } from '@tide/testkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startNodeLifecycle } from './node-lifecycle.js';

const GRACE_MS = 150;
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

const register = (store: StateStore, name: string) =>
  store.append([
    { type: 'NodeRegistered', data: { name, bootId: `boot-${name}`, address: '127.0.0.1', capacity: { memoryMb: 1024, cpuMilli: 1000, pods: 10 } } },
  ]);

describe('the node lifecycle', () => {
  it("counts a node's lease only from that node: renewals another node forges do not keep a silent node Ready", async () => {
    const log = createMemoryLog();
    const store = await openStateStore({ log });
    await register(store, 'n1');
    await register(store, 'n2');
    const lifecycle = await startNodeLifecycle({ store, leases: log, graceMs: GRACE_MS, checkMs: 10 });
    stops.push(
      () => lifecycle.stop(),
      () => store.close(),
    );
    let renewing = true;
    const renewals = (async () => {
      while (renewing) {
        await log.append(LEASES_TOPIC, [
          // n1 renews its own lease, and forges n2's (the log API stamps n1 as the writer of both).
          { key: 'n1', value: encodeLease({ node: 'n1', bootId: 'boot-n1', at: Date.now() }), headers: { 'tide-writer': 'node:n1' } },
          { key: 'n2', value: encodeLease({ node: 'n2', bootId: 'boot-n2', at: Date.now() }), headers: { 'tide-writer': 'node:n1' } },
        ]);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      await eventually(() => expect(store.state().nodes.get('n2')?.status.ready).toBe(false), { timeoutMs: 5_000, intervalMs: 10 });
      expect(store.state().nodes.get('n1')?.status.ready).toBe(true);
    } finally {
      renewing = false;
      await renewals;
    }
  });
});
