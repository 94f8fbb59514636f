import { describe, expect, it } from 'vitest';
import { node, pod, stateOf } from '../test-builders.js';
import { assignPending } from './assign.js';
import { defaultPlugins } from './default-plugins.js';

const placements = (result: ReturnType<typeof assignPending>) => Object.fromEntries(result.bindings.map((b) => [b.pod.metadata.name, b.node]));

describe('assignPending', () => {
  it('places every pending pod in one pass, spreading a function across nodes', () => {
    const state = stateOf([node('a'), node('b')], [pod('p1', { createdAt: 1 }), pod('p2', { createdAt: 2 }), pod('p3', { createdAt: 3 })]);
    expect(placements(assignPending(state, defaultPlugins))).toEqual({ p1: 'a', p2: 'b', p3: 'a' });
  });

  it('counts the pass’s own bindings, so two pods never over-commit a node', () => {
    const state = stateOf([node('a', { memoryMb: 1000 })], [pod('p1', { memoryMb: 600, createdAt: 1 }), pod('p2', { memoryMb: 600, createdAt: 2 })]);
    const result = assignPending(state, defaultPlugins);
    expect(placements(result)).toEqual({ p1: 'a' });
    expect(result.unschedulable).toEqual([{ pod: state.pods.get('default/p2'), reasons: ['node a: insufficient memory (400 MB free, 600 MB asked)'] }]);
  });

  it('serves the oldest pod first, then by name', () => {
    const state = stateOf(
      [node('a', { memoryMb: 600 })],
      [pod('young', { memoryMb: 500, createdAt: 9 }), pod('old-b', { memoryMb: 500, createdAt: 1 }), pod('old-a', { memoryMb: 500, createdAt: 1 })],
    );
    const result = assignPending(state, defaultPlugins);
    expect(placements(result)).toEqual({ 'old-a': 'a' });
    expect(result.unschedulable.map((u) => u.pod.metadata.name)).toEqual(['old-b', 'young']);
  });

  it('counts pods already bound and leaves them where they are', () => {
    const state = stateOf([node('a'), node('b')], [pod('running', { node: 'a', memoryMb: 1000 }), pod('new', { memoryMb: 100 })]);
    const result = assignPending(state, defaultPlugins);
    expect(placements(result)).toEqual({ new: 'b' });
  });

  it('ignores pods that are not Pending', () => {
    const bound = { ...pod('b'), status: { phase: 'Bound' as const, restartCount: 0 } };
    expect(assignPending(stateOf([node('a')], [bound]), defaultPlugins)).toEqual({ bindings: [], unschedulable: [] });
  });

  it('honours selectors, taints and cordons together', () => {
    const nodes = [
      node('plain'),
      node('ssd', { labels: { disk: 'ssd' }, taints: [{ key: 'dedicated', effect: 'NoSchedule' }] }),
      node('off', { labels: { disk: 'ssd' }, cordoned: true }),
    ];
    const pods = [
      pod('needs-ssd', { nodeSelector: { disk: 'ssd' }, createdAt: 1 }),
      pod('tolerant', { nodeSelector: { disk: 'ssd' }, tolerations: [{ key: 'dedicated', operator: 'Exists' }], createdAt: 2 }),
      pod('anywhere', { createdAt: 3 }),
    ];
    const result = assignPending(stateOf(nodes, pods), defaultPlugins);
    expect(placements(result)).toEqual({ tolerant: 'ssd', anywhere: 'plain' });
    expect(result.unschedulable[0]?.reasons).toEqual([
      'node off: cordoned',
      'node plain: node selector not matched (disk=ssd)',
      'node ssd: untolerated taint dedicated:NoSchedule',
    ]);
  });

  it('does not change the state it reads', () => {
    const state = stateOf([node('a')], [pod('p')]);
    assignPending(state, defaultPlugins);
    expect(state.pods.get('default/p')?.spec.node).toBeUndefined();
  });
});
