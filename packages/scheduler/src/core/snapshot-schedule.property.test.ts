import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ClusterState, Pod } from '@tide/core';
import { node, pod, stateOf } from '../test-builders.js';
import { labelsArb, taintArb, tolerationArb } from '../test-arbitraries.js';
import { assignPending, isPending, type Assignment } from './assign.js';
import { createCycleSnapshot } from './cycle-snapshot.js';
import { defaultPlugins } from './default-plugins.js';
import { scheduleFrom, type Plugins } from './framework.js';
import { createNodeTable } from './node-table.js';
import { summariseReasons } from './reasons.js';
import { createSchedulingContext } from './scheduling-context.js';

const nodeSpecArb = fc.record({
  // Few sizes, so pods fit exactly and nodes tie.
  memoryMb: fc.constantFrom(512, 1024, 2048),
  cpuMilli: fc.constantFrom(1000, 2000, 4000),
  pods: fc.integer({ min: 1, max: 5 }),
  ready: fc.integer({ min: 0, max: 4 }).map((n) => n !== 0),
  cordoned: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
  labels: labelsArb,
  taints: fc.array(taintArb, { maxLength: 2 }),
  isolation: fc.option(fc.record({ sandbox: fc.constantFrom<'bwrap' | 'none'>('bwrap', 'none'), insecureSingleTenant: fc.boolean() }), { nil: undefined }),
});

/** Nodes named in an order unlike their sort order (n10 < n2), so index order and name order are tested apart. */
const nodesArb = (maxLength: number, minLength = 0) =>
  fc.array(nodeSpecArb, { minLength, maxLength }).map((specs) => specs.map(({ isolation, ...o }, i) => node(`n${i}`, isolation ? { ...o, isolation } : o)));

const podsArb = (nodeCount: number, maxLength: number) =>
  fc
    .array(
      fc.record({
        memoryMb: fc.constantFrom(128, 256, 512, 1024),
        cpuMilli: fc.constantFrom(250, 500, 1000),
        fn: fc.constantFrom('f', 'g', 'h'),
        namespace: fc.constantFrom('default', 'team'),
        nodeSelector: labelsArb,
        tolerations: fc.array(tolerationArb, { maxLength: 2 }),
        createdAt: fc.integer({ min: 0, max: 20 }),
        // Some pods already run somewhere, a few on a node that is gone (counted by name all the same).
        boundTo: fc.option(fc.integer({ min: -1, max: Math.max(0, nodeCount - 1) }), { freq: 3 }),
      }),
      { maxLength },
    )
    .map((specs) => specs.map(({ boundTo, ...o }, i) => pod(`p${i}`, { ...o, ...(boundTo === null ? {} : { node: boundTo < 0 ? 'gone' : `n${boundTo}` }) })));

const clusterArb = (maxNodes: number, maxPods: number, minNodes = 0) =>
  nodesArb(maxNodes, minNodes).chain((nodes) => fc.record({ nodes: fc.constant(nodes), pods: podsArb(nodes.length, maxPods) }));

/** The plugins with their fast forms taken away: the framework asks every plugin by name. */
const unprepared: Plugins = {
  filters: defaultPlugins.filters.map(({ name, filter }) => ({ name, filter })),
  scores: defaultPlugins.scores.map(({ plugin: { name, score }, weight }) => ({ plugin: { name, score }, weight })),
};

const keyOf = (p: Pod) => `${p.metadata.namespace}/${p.metadata.name}`;

/**
 * The reference: the framework's by-name cycle for each pod, oldest first, over a scheduling
 * context counted afresh from every bound pod and every binding made so far.
 */
function fromScratch(state: Pick<ClusterState, 'pods' | 'nodes'>, plugins: Plugins): Assignment {
  const nodes = [...state.nodes.values()].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
  const pods = [...state.pods.values()];
  const bound = pods.filter((p) => p.spec.node !== undefined);
  // Oldest first, then by name, then by namespace.
  const order = (p: Pod) => [p.metadata.creationTimestamp, p.metadata.name, p.metadata.namespace].join('\u0000');
  const pending = pods.filter(isPending).sort((a, b) => (order(a) < order(b) ? -1 : 1));
  const assignment: Assignment = { bindings: [], unschedulable: [] };
  let startIndex = 0;
  for (const p of pending) {
    const { result, visited } = scheduleFrom(p, nodes, plugins, createSchedulingContext(bound), { startIndex });
    startIndex = nodes.length ? (startIndex + visited) % nodes.length : 0;
    if (result.node === undefined) assignment.unschedulable.push({ pod: p, reasons: summariseReasons(result.reasons) });
    else {
      bound.push({ ...p, spec: { ...p.spec, node: result.node } });
      assignment.bindings.push({ pod: p, node: result.node, scores: result.scores });
    }
  }
  return assignment;
}

const summary = (a: Assignment) => ({
  bound: a.bindings.map((b) => [keyOf(b.pod), b.node, b.scores]),
  unschedulable: a.unschedulable.map((u) => [keyOf(u.pod), u.reasons]),
});

/** Over `clusters`, `placed` and `reference` bind and refuse the same pods, with the same scores and reasons. */
function expectSamePlacements(
  clusters: ReturnType<typeof clusterArb>,
  placed: (state: ClusterState) => Assignment,
  reference: (state: ClusterState) => Assignment,
  numRuns: number,
): void {
  fc.assert(
    fc.property(clusters, ({ nodes, pods }) => {
      const state = stateOf(nodes, pods);
      expect(summary(placed(state))).toEqual(summary(reference(state)));
    }),
    { numRuns },
  );
}

describe('the snapshot cycle', () => {
  const snapshotCycle = (state: ClusterState) => assignPending(state, defaultPlugins);

  it('places every pod as recounting the cluster from scratch for each pod would, on small clusters', () => {
    expectSamePlacements(clusterArb(12, 20), snapshotCycle, (state) => fromScratch(state, defaultPlugins), 400);
  });

  it('does so on clusters large enough that each pod scores only some of the feasible nodes', () => {
    expectSamePlacements(clusterArb(260, 40, 101), snapshotCycle, (state) => fromScratch(state, defaultPlugins), 40);
  });

  it('gives plugins without a fast form the same placements as with it', () => {
    expectSamePlacements(clusterArb(12, 20), (state) => assignPending(state, unprepared), snapshotCycle, 300);
  });

  it("has every built-in plugin's fast form agree with its filter and score on every node", () => {
    fc.assert(
      fc.property(
        clusterArb(12, 12).chain(({ nodes, pods }) => fc.record({ nodes: fc.constant(nodes), pods: fc.constant(pods), probe: podsArb(0, 1) })),
        ({ nodes, pods, probe }) => {
          const snapshot = createCycleSnapshot(createNodeTable(nodes), pods);
          for (const p of [...probe, ...pods]) {
            for (const plugin of defaultPlugins.filters) {
              const check = plugin.prepare!(p, snapshot);
              snapshot.table.nodes.forEach((n, i) => expect([plugin.name, check ? check(i) : true]).toEqual([plugin.name, plugin.filter(p, n, snapshot).ok]));
            }
            for (const { plugin } of defaultPlugins.scores) {
              const score = plugin.prepare!(p, snapshot);
              snapshot.table.nodes.forEach((n, i) => expect(Object.is(score(i), plugin.score(p, n, snapshot))).toBe(true));
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers usage and function counts by name as a context counted from the same pods, before and after binding', () => {
    fc.assert(
      fc.property(
        clusterArb(8, 15).chain(({ nodes, pods }) =>
          fc.record({
            nodes: fc.constant(nodes),
            pods: fc.constant(pods),
            more: podsArb(0, 6),
            at: fc.array(fc.integer({ min: -1, max: 8 }), { minLength: 6, maxLength: 6 }),
          }),
        ),
        ({ nodes, pods, more, at }) => {
          const snapshot = createCycleSnapshot(createNodeTable(nodes), pods);
          const context = createSchedulingContext(pods);
          const names = ['gone', 'nowhere', ...nodes.map((n) => n.metadata.name)];
          const agree = () => {
            for (const name of names) {
              expect(snapshot.usageOf(name)).toEqual(context.usageOf(name));
              for (const p of [...pods, ...more]) expect(snapshot.functionPodsOn(name, p)).toBe(context.functionPodsOn(name, p));
            }
            snapshot.table.nodes.forEach((n, i) => {
              const usage = context.usageOf(n.metadata.name);
              expect([snapshot.used.memoryMb[i], snapshot.used.cpuMilli[i], snapshot.used.pods[i]]).toEqual([usage.memoryMb, usage.cpuMilli, usage.pods]);
              for (const p of more) expect(snapshot.functionPodsByIndex(p)[i]).toBe(context.functionPodsOn(n.metadata.name, p));
            });
          };
          agree();
          more.forEach((p, k) => {
            const name = at[k]! < 0 || at[k]! >= nodes.length ? 'gone' : `n${at[k]}`;
            snapshot.bind(p, name);
            context.bind(p, name);
          });
          agree();
        },
      ),
      { numRuns: 200 },
    );
  });
});
