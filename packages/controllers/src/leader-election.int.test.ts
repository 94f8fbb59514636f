import { afterEach, describe, expect, it } from 'vitest';
import { encodeLease, LEASES_TOPIC, openStateStore, type RuleBook, type StateStore } from '@tide/core';
import { testRuleBook, v1RuleBook } from '@tide/core/testing';
import { createMemoryLog, type MemoryLog } from '@tide/log/testing';
import { eventually } from '@tide/testkit/testing';
import { startLeaderElection, type LeaderElection } from './leader-election.js';

const RENEW_MS = 20;
const GRACE_MS = 150;

const running: { election: LeaderElection; store: StateStore }[] = [];
afterEach(async () => {
  for (const { election, store } of running.splice(0)) {
    await election.stop();
    await store.close();
  }
});

/** One control plane's election: its own store folding the shared log, as a separate process would. */
async function candidate(log: MemoryLog, holder: string, rules: RuleBook = v1RuleBook) {
  const store = await openStateStore({ log, rules });
  const changes: [boolean, number][] = [];
  const errors: Error[] = [];
  const election = await startLeaderElection({
    store,
    leases: log,
    role: 'controllers',
    holder,
    graceMs: GRACE_MS,
    renewMs: RENEW_MS,
    onChange: (leading, epoch) => changes.push([leading, epoch]),
    onError: (error) => errors.push(error),
    supportedRulesVersion: Math.max(...rules.keys()),
  });
  running.push({ election, store });
  return { store, election, changes, errors, holder };
}

describe('leader election through the log', () => {
  it('makes the first candidate on a fresh log lead at once, with epoch 1', async () => {
    const log = createMemoryLog();
    const a = await candidate(log, 'a');
    expect(a.election.current()).toEqual({ role: 'controllers', epoch: 1 });
    expect(a.changes).toEqual([[true, 1]]);
    expect(a.errors).toEqual([]);
  });

  it('keeps one leader among several while it renews, and moves leadership to another once it falls silent', async () => {
    const log = createMemoryLog();
    const a = await candidate(log, 'a');
    const others = [await candidate(log, 'b'), await candidate(log, 'c')];
    // Several grace periods of renewals: nobody else takes over.
    await new Promise((r) => setTimeout(r, GRACE_MS * 3));
    expect(a.election.current()?.epoch).toBe(1);
    for (const other of others) expect(other.election.current()).toBeUndefined();

    // Silence, as a kill -9 leaves: stop renewing without resigning.
    await a.election.stop();
    const silentAt = Date.now();
    await eventually(() => expect(others.filter((o) => o.election.current() !== undefined)).toHaveLength(1), { timeoutMs: 5_000, intervalMs: 5 });
    const winner = others.find((o) => o.election.current() !== undefined)!;
    expect(Date.now() - silentAt).toBeGreaterThanOrEqual(GRACE_MS - RENEW_MS);
    expect(winner.election.current()).toEqual({ role: 'controllers', epoch: 2 });
    // It says so when it wins, not a renewal period later.
    expect(winner.changes).toEqual([[true, 2]]);
    // Every candidate's fold agrees on who leads.
    for (const c of [a, ...others]) expect(c.store.state().leaders.controllers).toMatchObject({ holder: winner.holder, epoch: 2 });
  });

  it('tells a deposed leader that it no longer leads, so nothing it stamps afterwards is accepted', async () => {
    const log = createMemoryLog();
    const a = await candidate(log, 'a');
    const b = await candidate(log, 'b');
    // b takes over, as after a's lease lapsed while a was stopped (SIGSTOP).
    const leader = b.store.state().leaders.controllers!;
    const [taken] = await b.store.append([
      { type: 'LeaderElected', data: { role: 'controllers', epoch: 2, holder: 'b' }, expect: Number(leader.resourceVersion) },
    ]);
    expect(taken!.verdict.accepted).toBe(true);
    await eventually(() => expect(a.election.current()).toBeUndefined(), { timeoutMs: 2_000, intervalMs: 5 });
    await eventually(
      () =>
        expect(a.changes).toEqual([
          [true, 1],
          [false, 2],
        ]),
      { timeoutMs: 2_000, intervalMs: 5 },
    );
    // A write stamped with a's old epoch is rejected by the fold.
    const [stale] = await a.store.append([
      { type: 'NamespaceApplied', data: { name: 'late', labels: {}, annotations: {} }, leader: { role: 'controllers', epoch: 1 } },
    ]);
    expect(stale!.verdict).toMatchObject({ accepted: false });
    expect(b.election.current()).toEqual({ role: 'controllers', epoch: 2 });
  });

  it('raises the fold rules version only once every live member speaks it, and a member that does not halts', async () => {
    const log = createMemoryLog();
    // a leads and knows rules 1 and 2; b (a control plane of the release before) knows only 1.
    const a = await candidate(log, 'a', testRuleBook);
    const b = await candidate(log, 'b');
    await eventually(() => expect(a.election.rules()).toEqual({ wait: 'rules version 2 waits for control-plane.b (speaks 1)' }), {
      timeoutMs: 5_000,
      intervalMs: 5,
    });
    expect(a.store.state().rulesVersion).toBe(1);

    // b is stopped for its upgrade: once its lease lapses, nothing holds the switch back.
    await b.election.stop();
    await eventually(() => expect(a.store.state().rulesVersion).toBe(2), { timeoutMs: 5_000, intervalMs: 5 });
    await eventually(() => expect(a.election.rules()).toEqual({ wait: 'rules version 2 is the highest this process knows' }), {
      timeoutMs: 2_000,
      intervalMs: 5,
    });
    expect(a.errors).toEqual([]);

    // b's fold, still reading the log, stops at the switch rather than guess, and refuses writes: nothing reaches the log.
    await eventually(() => expect(b.store.state().halted).toMatchObject({ version: 2, supported: 1 }), { timeoutMs: 2_000, intervalMs: 5 });
    const [refused] = await b.store.append([{ type: 'NamespaceApplied', data: { name: 'late', labels: {}, annotations: {} } }]);
    expect(refused).toMatchObject({
      offset: -1,
      verdict: { accepted: false, code: 'unsupported-rules', reason: expect.stringContaining('upgrade this process') },
    });
    const written: string[] = [];
    for await (const record of log.read('tide.state', 0, { follow: false })) written.push(new TextDecoder().decode(record.value));
    expect(written.filter((json) => json.includes('"late"'))).toEqual([]);
  });

  it('counts a node whose lease carries no rules version (a release before versioning) as speaking version 1', async () => {
    const log = createMemoryLog();
    const a = await candidate(log, 'a', testRuleBook);
    const renewOldNode = () =>
      log.append(LEASES_TOPIC, [{ value: new TextEncoder().encode(JSON.stringify({ node: 'old-node', bootId: 'boot-1', at: 0 })), key: 'old-node' }]);
    const renewal = setInterval(() => void renewOldNode(), RENEW_MS);
    try {
      await eventually(() => expect(a.election.rules()).toEqual({ wait: 'rules version 2 waits for old-node (speaks 1)' }), {
        timeoutMs: 5_000,
        intervalMs: 5,
      });
      expect(a.store.state().rulesVersion).toBe(1);
      // The node comes back upgraded: its lease now says 2.
      clearInterval(renewal);
      const renewNewNode = setInterval(
        () => void log.append(LEASES_TOPIC, [{ value: encodeLease({ node: 'old-node', bootId: 'boot-2', at: 0, rules: 2 }), key: 'old-node' }]),
        RENEW_MS,
      );
      try {
        await eventually(() => expect(a.store.state().rulesVersion).toBe(2), { timeoutMs: 5_000, intervalMs: 5 });
      } finally {
        clearInterval(renewNewNode);
      }
    } finally {
      clearInterval(renewal);
    }
  });
  it('is not kept in office by renewals a node forges: another candidate takes over once the real leader falls silent', async () => {
    const log = createMemoryLog();
    const a = await candidate(log, 'a');
    const b = await candidate(log, 'b');
    expect(a.election.current()?.epoch).toBe(1);
    // The leader goes silent; a node keeps renewing its lease through the log API (which stamps the node as writer).
    await a.election.stop();
    let forging = true;
    const forger = (async () => {
      while (forging) {
        await log.append(LEASES_TOPIC, [
          { key: 'leader.controllers', value: encodeLease({ node: 'leader.controllers', bootId: '1', at: Date.now() }), headers: { 'tide-writer': 'node:n1' } },
        ]);
        await new Promise((r) => setTimeout(r, RENEW_MS / 2));
      }
    })();
    try {
      await eventually(() => expect(b.election.current()).toEqual({ role: 'controllers', epoch: 2 }), { timeoutMs: 5_000, intervalMs: 5 });
    } finally {
      forging = false;
      await forger;
    }
  });
});
