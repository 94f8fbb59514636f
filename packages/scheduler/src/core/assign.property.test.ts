import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Pod, TideNode } from '@tide/core';
import { node, pod, stateOf } from '../test-builders.js';
import { labelsArb, taintArb, tolerationArb } from '../test-arbitraries.js';
import { assignPending, type Assignment } from './assign.js';
import { defaultPlugins } from './default-plugins.js';
import { createSchedulingContext, type SchedulingContext } from './scheduling-context.js';

const nodesArb = fc
  .array(
    fc.record({
      memoryMb: fc.integer({ min: 64, max: 2048 }),
      cpuMilli: fc.integer({ min: 100, max: 4000 }),
      pods: fc.integer({ min: 1, max: 5 }),
      ready: fc.integer({ min: 0, max: 4 }).map((n) => n !== 0),
      cordoned: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
      labels: labelsArb,
      taints: fc.array(taintArb, { maxLength: 2 }),
    }),
    { maxLength: 8 },
  )
  .map((specs) => specs.map((o, i) => node(`n${i}`, o)));

const podsArb = (nodeCount: number) =>
  fc
    .array(
      fc.record({
        memoryMb: fc.integer({ min: 16, max: 1024 }),
        cpuMilli: fc.integer({ min: 10, max: 2000 }),
        fn: fc.constantFrom('f', 'g', 'h'),
        namespace: fc.constantFrom('default', 'team'),
        nodeSelector: labelsArb,
        tolerations: fc.array(tolerationArb, { maxLength: 2 }),
        createdAt: fc.integer({ min: 0, max: 20 }),
        // Some pods are already running somewhere (counted, never moved).
        boundTo: nodeCount ? fc.option(fc.integer({ min: 0, max: nodeCount - 1 }), { freq: 4 }) : fc.constant(null),
      }),
      { maxLength: 20 },
    )
    .map((specs) => specs.map(({ boundTo, ...o }, i) => pod(`p${i}`, { ...o, ...(boundTo === null ? {} : { node: `n${boundTo}` }) })));

const clusterArb = nodesArb.chain((nodes) =>
  podsArb(nodes.length).chain((pods) =>
    fc.record({ nodes: fc.constant(nodes), pods: fc.constant(pods), shuffled: fc.shuffledSubarray(pods, { minLength: pods.length }) }),
  ),
);

const passesAll = (p: Pod, n: TideNode, ctx: SchedulingContext) => defaultPlugins.filters.every((f) => f.filter(p, n, ctx).ok);

function boundAfter(pods: readonly Pod[], assignment: Assignment): Pod[] {
  const placed = new Map(assignment.bindings.map((b) => [b.pod, b.node]));
  return pods.flatMap((p) => {
    const at = placed.get(p) ?? p.spec.node;
    return at === undefined ? [] : [{ ...p, spec: { ...p.spec, node: at } }];
  });
}

const summary = (a: Assignment) => ({
  bound: Object.fromEntries(a.bindings.map((b) => [`${b.pod.metadata.namespace}/${b.pod.metadata.name}`, b.node])),
  unschedulable: Object.fromEntries(a.unschedulable.map((u) => [`${u.pod.metadata.namespace}/${u.pod.metadata.name}`, u.reasons])),
});

describe('assignPending on random clusters', () => {
  it('binds each pod only where every filter passes against the final usage without itself', () => {
    fc.assert(
      fc.property(clusterArb, ({ nodes, pods }) => {
        const assignment = assignPending(stateOf(nodes, pods), defaultPlugins);
        const finalPods = boundAfter(pods, assignment);
        for (const { pod: p, node: at } of assignment.bindings) {
          const others = createSchedulingContext(finalPods.filter((q) => q.metadata.name !== p.metadata.name || q.metadata.namespace !== p.metadata.namespace));
          expect(passesAll(p, nodes.find((n) => n.metadata.name === at)!, others)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never over-commits memory, cpu or pod slots of a node it binds to', () => {
    fc.assert(
      fc.property(clusterArb, ({ nodes, pods }) => {
        const assignment = assignPending(stateOf(nodes, pods), defaultPlugins);
        const usage = createSchedulingContext(boundAfter(pods, assignment));
        for (const at of new Set(assignment.bindings.map((b) => b.node))) {
          const { capacity } = nodes.find((n) => n.metadata.name === at)!.spec;
          const used = usage.usageOf(at);
          expect(used.memoryMb).toBeLessThanOrEqual(capacity.memoryMb);
          expect(used.cpuMilli).toBeLessThanOrEqual(capacity.cpuMilli);
          expect(used.pods).toBeLessThanOrEqual(capacity.pods);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('calls a pod unschedulable only when no node passes every filter', () => {
    fc.assert(
      fc.property(clusterArb, ({ nodes, pods }) => {
        const assignment = assignPending(stateOf(nodes, pods), defaultPlugins);
        // Usage only grows during a pass and filters only get stricter as it grows, so the final usage is a fair judge.
        const usage = createSchedulingContext(boundAfter(pods, assignment));
        for (const { pod: p, reasons } of assignment.unschedulable) {
          expect(nodes.some((n) => passesAll(p, n, usage))).toBe(false);
          expect(reasons).toHaveLength(Math.max(1, nodes.length));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('decides every Pending pod exactly once and leaves the others alone', () => {
    fc.assert(
      fc.property(clusterArb, ({ nodes, pods }) => {
        const { bound, unschedulable } = summary(assignPending(stateOf(nodes, pods), defaultPlugins));
        const decided = [...Object.keys(bound), ...Object.keys(unschedulable)].sort();
        const pending = pods.filter((p) => !p.spec.node).map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
        expect(decided).toEqual([...new Set(pending)].sort());
      }),
      { numRuns: 200 },
    );
  });

  it('gives the same result whatever order the state lists the pods in', () => {
    fc.assert(
      fc.property(clusterArb, ({ nodes, pods, shuffled }) => {
        expect(summary(assignPending(stateOf(nodes, shuffled), defaultPlugins))).toEqual(summary(assignPending(stateOf(nodes, pods), defaultPlugins)));
      }),
      { numRuns: 300 },
    );
  });
});
