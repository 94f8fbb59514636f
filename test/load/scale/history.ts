import { createHash } from 'node:crypto';
import { FunctionManifest, revisionName, subjectOf, type EventEnvelope, type TideEvent } from '@tide/core';

/**
 * A long, realistic state-stream history for the start-up measurements, generated lazily (seeded),
 * so a million events never sit in memory at once: nodes register, functions are deployed (a tenth
 * at min 1), then for as long as asked: redeploys (new revision), scale decisions of the
 * autoscaler, and pods going through their whole life on the nodes (created, bound, Starting,
 * Ready, deletion asked, Exited, removed). Writers' preconditions are tracked so that every event
 * is one the fold accepts; node events carry the node's writer identity, as the control plane's log
 * API stamps it, so the fold's writer rights judge them as they judge a real node's.
 */
export interface HistoryShape {
  nodes: number;
  functions: number;
  /** Pods alive at once (each goes through its life while others start). */
  livePods: number;
  namespaces: readonly string[];
  /** The artifact every manifest names (uploaded for real where the API checks it). */
  artifact?: string;
  seed?: number;
}

/** One record of the history: the event and who wrote it (undefined: a control plane). */
export interface HistoryRecord {
  event: EventEnvelope;
  writer?: string;
}

export const simulatedNodeName = (i: number): string => `sim-${String(i).padStart(3, '0')}`;
export const scaleFunctionName = (i: number): string => `fn-${String(i).padStart(5, '0')}`;

interface FunctionTrack {
  namespace: string;
  name: string;
  build: number;
  revisions: number;
  min: number;
  replicas: number;
}
type PodStep = 'bind' | 'starting' | 'ready' | 'delete' | 'exited' | 'remove';
interface PodTrack {
  namespace: string;
  name: string;
  node: string;
  next: PodStep;
}

/**
 * Yields the history's records one at a time, forever: take as many as wanted. `firstOffset` is
 * where the first record lands in the log (preconditions are log offsets); nothing else may be
 * appended in between.
 */
export function* generateHistory(shape: HistoryShape, firstOffset: number, startTime = Date.UTC(2025, 0, 1)): Generator<HistoryRecord> {
  const random = mulberry32(shape.seed ?? 7);
  const pickIndex = (n: number) => Math.floor(random() * n);
  const versions = new Map<string, number>();
  const boots = new Map<string, string>();
  let offset = firstOffset;
  const record = (event: TideEvent, options: { expect?: number | null; writer?: string } = {}): HistoryRecord => {
    const envelope = {
      ...event,
      id: eventId(shape.seed ?? 7, offset),
      time: new Date(startTime + offset * 50).toISOString(),
      ...(options.expect === undefined ? {} : { expect: options.expect }),
    } as EventEnvelope;
    versions.set(subjectOf(event), offset);
    offset++;
    return options.writer === undefined ? { event: envelope } : { event: envelope, writer: options.writer };
  };
  const versionOf = (event: TideEvent) => versions.get(subjectOf(event)) ?? 0;

  const nodes: string[] = [];
  for (let i = 0; i < shape.nodes; i++) {
    const name = simulatedNodeName(i);
    nodes.push(name);
    boots.set(name, `boot-${i}`);
    yield record(
      {
        type: 'NodeRegistered',
        data: { name, bootId: `boot-${i}`, address: '127.0.0.1', capacity: { memoryMb: 65_536, cpuMilli: 64_000, pods: 110 }, labels: {}, taints: [] },
      },
      { writer: `node:${name}` },
    );
  }
  for (const name of shape.namespaces) yield record({ type: 'NamespaceApplied', data: { name, labels: { owner: name }, annotations: {} } }, { expect: null });

  const functions: FunctionTrack[] = [];
  const manifestOf = (fn: FunctionTrack) =>
    FunctionManifest.parse({
      apiVersion: 'tide.dev/v1',
      kind: 'Function',
      metadata: { name: fn.name, labels: { team: fn.namespace } },
      spec: {
        source: { artifact: shape.artifact ?? `sha256:${createHash('sha256').update(`${fn.name}@${fn.build}`).digest('hex')}` },
        env: { LOG_LEVEL: 'info', BUILD: String(fn.build) },
        scale: { min: fn.min, max: 10 },
      },
    });
  const deploy = (fn: FunctionTrack, first: boolean): HistoryRecord => {
    fn.build++;
    fn.revisions++;
    // As the fold has it: a deploy starts with one pod (or min), a new revision keeps at least one.
    fn.replicas = Math.max(1, fn.replicas);
    const event: TideEvent = { type: 'FunctionApplied', data: { namespace: fn.namespace, manifest: manifestOf(fn) } };
    return record(event, { expect: first ? null : versionOf(event) });
  };
  for (let i = 0; i < shape.functions; i++) {
    const min = i % 10 === 0 ? 1 : 0;
    const fn: FunctionTrack = {
      namespace: shape.namespaces[i % shape.namespaces.length]!,
      name: scaleFunctionName(i),
      build: 0,
      revisions: 0,
      min,
      replicas: 0,
    };
    functions.push(fn);
    yield deploy(fn, true);
  }

  const pods: PodTrack[] = [];
  let serial = 0;
  const advance = (pod: PodTrack): HistoryRecord => {
    const { namespace, name, node } = pod;
    const probe: TideEvent = { type: 'PodRemoved', data: { namespace, name } };
    const asNode = { writer: `node:${node}` };
    const status = { namespace, name, node, bootId: boots.get(node)!, restartCount: 0 };
    switch (pod.next) {
      case 'bind':
        pod.next = 'starting';
        return record({ type: 'PodBound', data: { namespace, name, node } }, { expect: versionOf(probe) });
      case 'starting':
        pod.next = 'ready';
        return record({ type: 'PodStatusReported', data: { ...status, phase: 'Starting', coldStart: 'pool' } }, asNode);
      case 'ready':
        pod.next = 'delete';
        return record(
          { type: 'PodStatusReported', data: { ...status, phase: 'Ready', endpoint: `http://127.0.0.1:${20_000 + (serial % 40_000)}`, startMs: 4 } },
          asNode,
        );
      case 'delete':
        pod.next = 'exited';
        return record({ type: 'PodDeletionRequested', data: { namespace, name, reason: 'scaled down' } }, { expect: versionOf(probe) });
      case 'exited':
        pod.next = 'remove';
        return record({ type: 'PodStatusReported', data: { ...status, phase: 'Exited', reason: 'stopped', exitCode: 0 } }, asNode);
      case 'remove': {
        pods.splice(pods.indexOf(pod), 1);
        const removed = record({ type: 'PodRemoved', data: { namespace, name, node } }, asNode);
        versions.delete(subjectOf(probe)); // gone for good: keeps the generator's memory bounded
        return removed;
      }
    }
  };

  for (;;) {
    const roll = random();
    if (roll < 0.02) {
      yield deploy(functions[pickIndex(functions.length)]!, false);
    } else if (roll < 0.07) {
      // The autoscaler's decision: from the replicas the fold holds, to another count within min..max.
      const fn = functions[pickIndex(functions.length)]!;
      const to = fn.replicas === fn.min ? fn.min + 1 + pickIndex(3) : fn.min + pickIndex(fn.replicas - fn.min);
      yield record({
        type: 'ScaleSet',
        data: { namespace: fn.namespace, name: fn.name, from: fn.replicas, to, reason: 'average concurrency', inputs: { concurrency: to * 5 } },
      });
      fn.replicas = to;
    } else if (pods.length < shape.livePods) {
      const fn = functions[pickIndex(functions.length)]!;
      const revision = revisionName(fn.name, fn.revisions);
      const name = `${revision}-${(serial++).toString(36).padStart(5, '0')}`;
      pods.push({ namespace: fn.namespace, name, node: nodes[serial % nodes.length]!, next: 'bind' });
      yield record({ type: 'PodCreated', data: { namespace: fn.namespace, name, revision } }, { expect: null });
    } else {
      yield advance(pods[pickIndex(pods.length)]!);
    }
  }
}

/** Deterministic uuid-shaped ids, distinct per seed, so a history appended to a log of other events never repeats an id. */
function eventId(seed: number, offset: number): string {
  return `00000000-${(seed & 0xffff).toString(16).padStart(4, '0')}-4000-8000-${offset.toString(16).padStart(12, '0')}`;
}

/** A small seeded PRNG (mulberry32): same seed, same history. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
