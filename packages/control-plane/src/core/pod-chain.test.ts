import { describe, expect, it } from 'vitest';
import type { LoggedEvent, TideEventInput } from '@tide/core';
import { podChain, type JudgedEvent } from './pod-chain.js';

let offset = 100;
function logged(event: TideEventInput, actor?: string, accepted: boolean | undefined = true): JudgedEvent {
  offset += 1;
  const time = new Date(1_800_000_000_000 + offset * 10).toISOString();
  return { event: { ...event, id: `e${offset}`, time, offset, ...(actor ? { actor } : {}) } as LoggedEvent, accepted };
}
const pod = { namespace: 'default', name: 'hello-00001-abcde' };
const report = (phase: 'Starting' | 'Ready' | 'Exited', extra: object = {}) =>
  ({ type: 'PodStatusReported', data: { ...pod, node: 'local', bootId: 'b', phase, restartCount: 0, ...extra } }) as TideEventInput;

describe('podChain', () => {
  it('given a call from zero, tells scale decision → created → bound → started → ready, in order, with reasons', () => {
    const decision = logged(
      { type: 'ScaleSet', data: { namespace: 'default', name: 'hello', from: 0, to: 1, reason: 'from zero: 1 request waiting → 1 pod', inputs: {} } },
      'autoscaler',
    );
    const events = [
      logged({ type: 'PodCreated', data: { ...pod, revision: 'hello-00001', causeOffset: decision.event.offset } }, 'revision-controller'),
      logged({ type: 'PodBound', data: { ...pod, node: 'local', scores: { spread: 100, leastAllocated: 97.4 } } }, 'scheduler'),
      logged(report('Starting', { coldStart: 'pool' }), 'node/local'),
      logged(report('Ready', { coldStart: 'pool', startMs: 12, endpoint: 'http://127.0.0.1:1' }), 'node/local'),
    ];
    const chain = podChain(events, decision);
    expect(chain.map((s) => s.what)).toEqual(['scaled 0 → 1', 'created (hello-00001)', 'bound to node local', 'starting', 'ready']);
    expect(chain.map((s) => s.by)).toEqual(['autoscaler', 'revision-controller', 'scheduler', 'node/local', 'node/local']);
    expect(chain[0]!.why).toBe('from zero: 1 request waiting → 1 pod');
    expect(chain[1]!.why).toContain(`offset ${decision.event.offset}`);
    expect(chain[2]!.why).toBe('highest score 197 (spread 100, leastAllocated 97)');
    expect(chain[3]!.why).toBe('claimed a warm-pool process (node local)');
    expect(chain[4]!.why).toBe('claimed a warm-pool process; 12 ms after its start (node local)');
    expect(chain.map((s) => s.offset)).toEqual([...chain.map((s) => s.offset)].sort((a, b) => a - b));
  });

  it('given events the fold rejected, leaves them out of the story', () => {
    const chain = podChain([
      logged({ type: 'PodCreated', data: { ...pod, revision: 'hello-00001' } }),
      logged({ type: 'PodBound', data: { ...pod, node: 'local' } }, 'scheduler'),
      logged({ type: 'PodBound', data: { ...pod, node: 'other' } }, 'scheduler', false),
      logged(report('Exited', { exitCode: 1, reason: 'import failed: SyntaxError' }), undefined, undefined),
    ]);
    expect(chain.map((s) => s.what)).toEqual(['created (hello-00001)', 'bound to node local', 'exited (code 1)']);
    expect(chain[0]!.why).toBe('the revision controller keeps the desired replicas');
    expect(chain[1]!.why).toBe('the node that fitted (no score recorded)');
    expect(chain[2]!.why).toBe('import failed: SyntaxError (node local)');
  });

  it('given a name used twice, tells only the latest pod of that name, and a deploy as its cause', () => {
    const deploy = logged({ type: 'FunctionApplied', data: { namespace: 'default', manifest: { metadata: { name: 'hello' } } } } as never, 'user/admin');
    const chain = podChain(
      [
        logged({ type: 'PodCreated', data: { ...pod, revision: 'hello-00001' } }),
        logged({ type: 'PodDeletionRequested', data: { ...pod, reason: 'scaled down' } }),
        logged({ type: 'PodRemoved', data: { ...pod, node: 'local' } }),
        logged({ type: 'PodCreated', data: { ...pod, revision: 'hello-00001', causeOffset: deploy.event.offset } }),
        logged({ type: 'PodUnschedulable', data: { ...pod, reasons: ['local: not enough memory (64 MB free, 128 asked)'] } }),
      ],
      deploy,
    );
    expect(chain.map((s) => s.what)).toEqual(['function applied', 'created (hello-00001)', 'unschedulable']);
    expect(chain[0]!.by).toBe('user/admin');
    expect(chain[2]!.why).toContain('not enough memory');
  });

  it('given a pod that was asked to go, ends with the request and its removal', () => {
    const chain = podChain([
      logged({ type: 'PodCreated', data: { ...pod, revision: 'hello-00001' } }),
      logged({ type: 'PodDeletionRequested', data: { ...pod, reason: 'scaled to zero' } }, 'revision-controller'),
      logged({ type: 'PodRemoved', data: { ...pod, node: 'local' } }),
    ]);
    expect(chain.slice(1).map((s) => [s.what, s.why])).toEqual([
      ['deletion requested', 'scaled to zero'],
      ['removed', 'stopped by node local'],
    ]);
  });
});
