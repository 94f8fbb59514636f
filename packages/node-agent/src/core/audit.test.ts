import { describe, expect, it } from 'vitest';
import { auditNode, type AuditView, type NodeAudit } from './audit.js';

const NOW = 1_000_000;
const GRACE_MS = 2_000;

const pod = (name: string, pid: number, startToken = `t-${pid}`) => ({ pid, startToken, dir: { kind: 'pods' as const, name } });
const pooled = (token: string, pid: number) => ({ pid, startToken: token, dir: { kind: 'pool' as const, name: token } });
const podDir = (name: string, pidFile?: { pid: number; startToken?: string }) => ({
  kind: 'pods' as const,
  name,
  ...(pidFile ? { pidFile: { pid: pidFile.pid, startToken: pidFile.startToken ?? `t-${pidFile.pid}` } } : {}),
});
const poolDir = (token: string, pid?: number) => ({
  kind: 'pool' as const,
  name: token,
  ...(pid === undefined ? {} : { pidFile: { pid, startToken: token } }),
});

function view(overrides: Partial<AuditView>): AuditView {
  return { tracked: [], dirs: [], knownPods: [], alive: [], terminating: [], ...overrides };
}

describe('auditNode', () => {
  it.each<[string, AuditView, NodeAudit]>([
    ['nothing running, nothing on disk: nothing to do', view({}), { repairs: [], terminating: [] }],
    [
      'a node that matches its pid files: nothing to do',
      view({ tracked: [pod('a', 10), pooled('p1', 20)], dirs: [podDir('a', { pid: 10 }), poolDir('p1', 20)], knownPods: ['a'], alive: [10, 20] }),
      { repairs: [], terminating: [] },
    ],
    [
      'restores the directory of a running pod that was deleted',
      view({ tracked: [pod('a', 10)], knownPods: ['a'], alive: [10] }),
      { repairs: [{ type: 'restore-dir', dir: { kind: 'pods', name: 'a' }, pid: 10, startToken: 't-10' }], terminating: [] },
    ],
    [
      'restores a pid file that is missing from a pod directory',
      view({ tracked: [pod('a', 10)], dirs: [podDir('a')], knownPods: ['a'], alive: [10] }),
      { repairs: [{ type: 'restore-dir', dir: { kind: 'pods', name: 'a' }, pid: 10, startToken: 't-10' }], terminating: [] },
    ],
    [
      'restores a pid file that names another process',
      view({ tracked: [pod('a', 10)], dirs: [podDir('a', { pid: 11 })], knownPods: ['a'], alive: [10] }),
      { repairs: [{ type: 'restore-dir', dir: { kind: 'pods', name: 'a' }, pid: 10, startToken: 't-10' }], terminating: [] },
    ],
    [
      'restores a pid file with the right pid but another token',
      view({ tracked: [pod('a', 10)], dirs: [podDir('a', { pid: 10, startToken: 'forged' })], knownPods: ['a'], alive: [10] }),
      { repairs: [{ type: 'restore-dir', dir: { kind: 'pods', name: 'a' }, pid: 10, startToken: 't-10' }], terminating: [] },
    ],
    [
      'restores the directory of an idle warm-pool process',
      view({ tracked: [pooled('p1', 20)], alive: [20] }),
      { repairs: [{ type: 'restore-dir', dir: { kind: 'pool', name: 'p1' }, pid: 20, startToken: 'p1' }], terminating: [] },
    ],
    [
      'leaves the directory of a pod whose process just died to its exit handling',
      view({ tracked: [pod('a', 10)], knownPods: ['a'], alive: [] }),
      { repairs: [], terminating: [] },
    ],
    [
      'keeps the directory of a pod waiting for its back-off (no process, stale pid file)',
      view({ dirs: [podDir('a', { pid: 10 })], knownPods: ['a'], alive: [] }),
      { repairs: [], terminating: [] },
    ],
    [
      'sends SIGTERM to a live process with a pid file under an unknown pod directory',
      view({ tracked: [pod('a', 10)], dirs: [podDir('a', { pid: 10 }), podDir('stray', { pid: 30 })], knownPods: ['a'], alive: [10, 30] }),
      { repairs: [{ type: 'signal-stray', pid: 30, signal: 'SIGTERM' }], terminating: [{ pid: 30, since: NOW }] },
    ],
    [
      'sends SIGTERM to a runtime of this agent found without any pid file',
      view({ alive: [40] }),
      { repairs: [{ type: 'signal-stray', pid: 40, signal: 'SIGTERM' }], terminating: [{ pid: 40, since: NOW }] },
    ],
    [
      "stops a stray that carries a tracked pod's token under its own pid (a copied command line)",
      view({ tracked: [pod('a', 10)], dirs: [podDir('a', { pid: 10 }), podDir('copy', { pid: 31, startToken: 't-10' })], knownPods: ['a'], alive: [10, 31] }),
      { repairs: [{ type: 'signal-stray', pid: 31, signal: 'SIGTERM' }], terminating: [{ pid: 31, since: NOW }] },
    ],
    [
      'does not signal a stray again within its grace',
      view({ alive: [30], dirs: [podDir('stray', { pid: 30 })], terminating: [{ pid: 30, since: NOW - GRACE_MS + 1 }] }),
      { repairs: [], terminating: [{ pid: 30, since: NOW - GRACE_MS + 1 }] },
    ],
    [
      'sends SIGKILL to a stray still alive after its grace',
      view({ alive: [30], dirs: [podDir('stray', { pid: 30 })], terminating: [{ pid: 30, since: NOW - GRACE_MS }] }),
      { repairs: [{ type: 'signal-stray', pid: 30, signal: 'SIGKILL' }], terminating: [{ pid: 30, since: NOW - GRACE_MS }] },
    ],
    [
      'removes the directory of a stray once it is dead, and forgets the stray',
      view({ dirs: [podDir('stray', { pid: 30 })], terminating: [{ pid: 30, since: NOW - 500 }] }),
      { repairs: [{ type: 'remove-dir', dir: { kind: 'pods', name: 'stray' } }], terminating: [] },
    ],
    [
      'removes an unknown pod directory without a pid file',
      view({ dirs: [podDir('junk')] }),
      { repairs: [{ type: 'remove-dir', dir: { kind: 'pods', name: 'junk' } }], terminating: [] },
    ],
    [
      'removes the directory of a warm-pool process that died',
      view({ dirs: [poolDir('gone', 21)] }),
      { repairs: [{ type: 'remove-dir', dir: { kind: 'pool', name: 'gone' } }], terminating: [] },
    ],
    [
      'leaves the pool directory of a process just taken by a pod (the pool removes it)',
      view({ tracked: [pod('a', 20, 'p1')], dirs: [podDir('a', { pid: 20, startToken: 'p1' }), poolDir('p1', 20)], knownPods: ['a'], alive: [20] }),
      { repairs: [], terminating: [] },
    ],
    [
      'never takes a pod directory for a pool one of the same name',
      view({ tracked: [pooled('x', 20)], dirs: [poolDir('x', 20), podDir('x')], alive: [20] }),
      { repairs: [{ type: 'remove-dir', dir: { kind: 'pods', name: 'x' } }], terminating: [] },
    ],
  ])('%s', (_title, input, expected) => {
    expect(auditNode(input, NOW, GRACE_MS)).toEqual(expected);
  });

  it('never signals a tracked process, whatever directory it is found in', () => {
    const input = view({
      tracked: [pod('a', 10), pooled('p1', 20)],
      dirs: [podDir('elsewhere', { pid: 10 }), poolDir('p1', 20)],
      knownPods: ['a'],
      alive: [10, 20],
    });
    expect(auditNode(input, NOW, GRACE_MS).repairs.filter((r) => r.type === 'signal-stray')).toEqual([]);
  });

  it('gives the same answer when nothing changed (audits are idempotent)', () => {
    const input = view({ tracked: [pod('a', 10)], knownPods: ['a'], alive: [10] });
    expect(auditNode(input, NOW, GRACE_MS)).toEqual(auditNode(input, NOW, GRACE_MS));
  });
});
