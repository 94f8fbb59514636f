import { describe, expect, it } from 'vitest';
import type { Pod, PodStatus } from '@tide/core';
import { failedRevisionMessage, finalFailureOf, revisionOutcome } from './revision-outcome.js';

type StatusInput = Partial<PodStatus> & Pick<PodStatus, 'phase'>;

function pod(name: string, status: StatusInput): Pod {
  const revision = name.replace(/-\w{5}$/, '');
  return {
    apiVersion: 'tide.dev/v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      labels: {},
      annotations: {},
      uid: name,
      resourceVersion: '1',
      generation: 1,
      creationTimestamp: '2026-12-07T00:00:00.000Z',
    },
    spec: { function: 'hello', revision, terminationGraceSeconds: 30 } as Pod['spec'],
    status: { restartCount: 0, ...status },
  };
}

const IMPORT_FAILED = 'import failed: Error: cannot start: missing DATABASE_URL';

describe('finalFailureOf', () => {
  it.each([
    ['a module that threw while loading, at its first exit', { phase: 'Exited', reason: IMPORT_FAILED }, IMPORT_FAILED],
    [
      'a module with no handler',
      { phase: 'Exited', reason: 'import failed: module has no fetch, scheduled or queue handler' },
      'import failed: module has no fetch, scheduled or queue handler',
    ],
    ['out of memory before it was ever ready', { phase: 'Exited', reason: 'OOM' }, 'OOM'],
    [
      'any exit once the pod crash-loops',
      { phase: 'Exited', reason: 'killed by SIGKILL', restartCount: 2, waiting: 'CrashLoopBackOff', nextRestartAt: 5 },
      'killed by SIGKILL (CrashLoopBackOff after 2 restarts)',
    ],
    [
      'an exit with no reason once the pod crash-loops',
      { phase: 'Exited', exitCode: 3, restartCount: 1, waiting: 'CrashLoopBackOff' },
      'exited with code 3 (CrashLoopBackOff after 1 restart)',
    ],
  ] satisfies [string, StatusInput, string][])('is final for %s', (_, status, reason) => {
    expect(finalFailureOf(pod('hello-00002-aaaaa', status))).toBe(reason);
  });

  it.each([
    ['a first exit killed by a signal', { phase: 'Exited', reason: 'killed by SIGKILL' }],
    ['a first slow start on a busy node', { phase: 'Exited', reason: 'not ready within 30s' }],
    ['a first spawn error of the node', { phase: 'Exited', reason: 'spawn failed: EAGAIN' }],
    ['a failing readiness probe', { phase: 'Starting', reason: 'readiness probe failed: HTTP 500' }],
    ['a pod no node can take for now', { phase: 'Pending', unschedulable: ['node-a: needs 128 MB, 64 MB free'] }],
    ['a pod starting again after an import failure', { phase: 'Starting', reason: IMPORT_FAILED, restartCount: 1 }],
  ] satisfies [string, StatusInput][])('is not final for %s', (_, status) => {
    expect(finalFailureOf(pod('hello-00002-aaaaa', status))).toBeUndefined();
  });
});

describe('revisionOutcome', () => {
  it('is ready once any pod is Ready, even while another failed', () => {
    const outcome = revisionOutcome([pod('hello-00002-aaaaa', { phase: 'Exited', reason: 'OOM' }), pod('hello-00002-bbbbb', { phase: 'Ready' })]);
    expect(outcome).toMatchObject({ kind: 'ready', pod: { metadata: { name: 'hello-00002-bbbbb' } } });
  });

  it('has failed when a pod failed for a final reason and none is Ready', () => {
    const outcome = revisionOutcome([pod('hello-00002-aaaaa', { phase: 'Starting' }), pod('hello-00002-bbbbb', { phase: 'Exited', reason: IMPORT_FAILED })]);
    expect(outcome).toMatchObject({ kind: 'failed', reason: IMPORT_FAILED, pod: { metadata: { name: 'hello-00002-bbbbb' } } });
  });

  it('keeps waiting for an unschedulable pod and says why no node takes it', () => {
    const outcome = revisionOutcome([pod('hello-00002-aaaaa', { phase: 'Pending', unschedulable: ['node-a: cordoned'] })]);
    expect(outcome).toEqual({ kind: 'waiting', seen: 'hello-00002-aaaaa Pending (no node can take it for now: node-a: cordoned)' });
  });

  it('ignores pods being deleted', () => {
    const outcome = revisionOutcome([pod('hello-00002-aaaaa', { phase: 'Terminating', reason: 'OOM' })]);
    expect(outcome).toEqual({ kind: 'waiting', seen: '' });
  });
});

describe('failedRevisionMessage', () => {
  const failed = { pod: pod('hello-00003-ccccc', { phase: 'Exited', reason: IMPORT_FAILED }), reason: IMPORT_FAILED };
  const fn = { namespace: 'default', name: 'hello', revisionCount: 3 };

  it('names the newest other revision with a Ready pod as still serving', () => {
    const pods = [failed.pod, pod('hello-00001-aaaaa', { phase: 'Ready' }), pod('hello-00002-bbbbb', { phase: 'Ready' })];
    expect(failedRevisionMessage(fn, 'hello-00003', failed, pods)).toBe(
      `revision hello-00003 failed: pod hello-00003-ccccc: ${IMPORT_FAILED}\nthe previous revision hello-00002 still serves function default/hello`,
    );
  });

  it('says nothing serves when no earlier revision has a Ready pod', () => {
    const pods = [failed.pod, pod('hello-00002-bbbbb', { phase: 'Exited', reason: 'OOM' })];
    expect(failedRevisionMessage(fn, 'hello-00003', failed, pods)).toMatch(/\nnothing serves function default\/hello: no earlier revision has a ready pod$/);
  });

  it('says nothing serves a function whose first revision failed', () => {
    expect(failedRevisionMessage({ ...fn, revisionCount: 1 }, 'hello-00003', failed, [failed.pod])).toMatch(
      /\nnothing serves function default\/hello: it has no earlier revision$/,
    );
  });
});
