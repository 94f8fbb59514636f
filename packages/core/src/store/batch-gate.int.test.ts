import { describe, expect, it } from 'vitest';
import { createMemoryLog } from '@tide/log/testing';
import { createFakeClock, eventually } from '@tide/testkit/testing';
import type { ClusterState } from '../state.js';
import { createBatchGate } from './batch-gate.js';
import { openStateStore } from './state-store.js';
import { startReconcileLoop } from './reconcile-loop.js';

const namespace = (name: string) => ({ type: 'NamespaceApplied' as const, data: { name }, expect: null });

describe('a batch gate', () => {
  it("keeps a reconcile loop from seeing the state between the records of its process's own batch", async () => {
    const clock = createFakeClock();
    const store = await openStateStore({ log: createMemoryLog(), clock });
    const gate = createBatchGate();
    const seen: string[][] = [];
    const loop = startReconcileLoop(store, {
      name: 'watcher',
      clock,
      gate,
      reconcile: (state: ClusterState) => {
        seen.push([...state.namespaces.keys()].sort());
        return [];
      },
    });
    await eventually(() => expect(seen).toHaveLength(1));
    // Without the gate, the fold of `a` would run a pass that sees `a` without `b`.
    await gate.hold(() => store.append([namespace('a'), namespace('b')]));
    await eventually(() => expect(seen.at(-1)).toEqual(['a', 'b']));
    expect(seen).not.toContainEqual(['a']);
    expect(gate.settled()).toBeUndefined();
    await loop.stop();
    await store.close();
  });
});
