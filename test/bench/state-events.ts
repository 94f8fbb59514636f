import { createHash } from 'node:crypto';
import { FunctionManifest, revisionName, subjectOf, type EventEnvelope, type TideEvent } from '@tide/core';

/**
 * A realistic state stream for the replay bench, generated deterministically (seeded): a node, a
 * few namespaces, 200 functions applied again and again (code changes make new revisions, scale
 * changes do not), and pods going through their whole life on the node. Writers' preconditions are
 * tracked so that nearly every event is accepted; a small share is what real races leave in the
 * log (a stale `expect`, a producer's retried copy), which the fold rejects.
 */
export const STREAM = {
  events: 100_000,
  functions: 200,
  livePods: 300,
  namespaces: ['default', 'team-a', 'team-b', 'team-c'],
  node: 'bench-node',
  bootId: 'boot-1',
};

interface FunctionTrack {
  namespace: string;
  name: string;
  build: number;
  replicas: number;
  revisions: number;
}
/** Where a pod is in its life: the next event it gets. */
type PodStep = 'bind' | 'starting' | 'ready' | 'delete' | 'exited' | 'remove';
interface PodTrack {
  namespace: string;
  name: string;
  next: PodStep;
}

export function generateStateEvents(count = STREAM.events, seed = 42): EventEnvelope[] {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const events: EventEnvelope[] = [];
  const versions = new Map<string, number>();
  const functions: FunctionTrack[] = [];
  const pods: PodTrack[] = [];
  let podSerial = 0;

  /** Appends an event a writer expects to be accepted, so its subject's version moves to this offset. */
  const emit = (event: TideEvent, expect?: number | null): void => {
    const offset = events.length;
    events.push({
      ...event,
      id: eventId(offset),
      time: new Date(Date.UTC(2025, 0, 1) + offset * 100).toISOString(),
      ...(expect === undefined ? {} : { expect }),
    } as EventEnvelope);
    versions.set(subjectOf(event), offset);
  };
  const versionOf = (event: TideEvent): number => versions.get(subjectOf(event)) ?? 0;

  emit({
    type: 'NodeRegistered',
    data: {
      name: STREAM.node,
      bootId: STREAM.bootId,
      address: '127.0.0.1',
      capacity: { memoryMb: 65_536, cpuMilli: 64_000, pods: 1_000 },
      labels: {},
      taints: [],
    },
  });
  for (const name of STREAM.namespaces) emit({ type: 'NamespaceApplied', data: { name, labels: { owner: name }, annotations: {} } }, null);
  for (let i = 0; i < STREAM.functions; i++) {
    const fn: FunctionTrack = {
      namespace: STREAM.namespaces[i % STREAM.namespaces.length]!,
      name: `fn-${String(i).padStart(3, '0')}`,
      build: 1,
      replicas: 1,
      revisions: 0,
    };
    functions.push(fn);
    applyFunction(fn, true);
  }

  function applyFunction(fn: FunctionTrack, codeChanged: boolean): void {
    if (codeChanged) {
      fn.build++;
      fn.revisions++;
    } else fn.replicas = (fn.replicas % 5) + 1;
    const event: TideEvent = { type: 'FunctionApplied', data: { namespace: fn.namespace, manifest: manifestOf(fn) } };
    emit(event, fn.revisions === 1 && codeChanged ? null : versionOf(event));
  }

  function advance(pod: PodTrack): void {
    const { namespace, name } = pod;
    const data = { namespace, name, node: STREAM.node, bootId: STREAM.bootId };
    const probe: TideEvent = { type: 'PodRemoved', data: { namespace, name } };
    switch (pod.next) {
      case 'bind':
        emit({ type: 'PodBound', data: { namespace, name, node: STREAM.node } }, versionOf(probe));
        pod.next = 'starting';
        return;
      case 'starting':
        emit({ type: 'PodStatusReported', data: { ...data, phase: 'Starting', restartCount: 0 } });
        pod.next = 'ready';
        return;
      case 'ready':
        emit({ type: 'PodStatusReported', data: { ...data, phase: 'Ready', endpoint: `http://127.0.0.1:${20_000 + (podSerial % 40_000)}`, restartCount: 0 } });
        pod.next = 'delete';
        return;
      case 'delete':
        emit({ type: 'PodDeletionRequested', data: { namespace, name, reason: 'revision superseded' } }, versionOf(probe));
        pod.next = 'exited';
        return;
      case 'exited':
        emit({ type: 'PodStatusReported', data: { ...data, phase: 'Exited', reason: 'stopped', exitCode: 0, restartCount: 0 } });
        pod.next = 'remove';
        return;
      case 'remove':
        emit({ type: 'PodRemoved', data: { namespace, name, node: STREAM.node } });
        pods.splice(pods.indexOf(pod), 1);
        return;
    }
  }

  while (events.length < count) {
    const roll = random();
    if (roll < 0.03) {
      applyFunction(pick(functions), random() < 0.6);
    } else if (roll < 0.04 && pods.length > 0) {
      raceLoser(events, versions, pick(pods), random() < 0.5 ? 'stale' : 'retry');
    } else if (pods.length < STREAM.livePods) {
      const fn = pick(functions);
      const name = `${revisionName(fn.name, fn.revisions)}-${(podSerial++).toString(36).padStart(5, '0')}`;
      emit({ type: 'PodCreated', data: { namespace: fn.namespace, name, revision: revisionName(fn.name, fn.revisions) } }, null);
      pods.push({ namespace: fn.namespace, name, next: 'bind' });
    } else {
      advance(pick(pods));
    }
  }
  return events.slice(0, count);
}

/**
 * What a lost race leaves in the log: a deletion whose writer saw an older version of the pod,
 * or a producer's retry of the last event (same id). The fold rejects both; versions do not move.
 */
function raceLoser(events: EventEnvelope[], versions: Map<string, number>, pod: PodTrack, kind: 'stale' | 'retry'): void {
  const offset = events.length;
  const last = events[offset - 1]!;
  if (kind === 'retry') {
    events.push({ ...last });
    return;
  }
  const stale = (versions.get(`pods/${pod.namespace}/${pod.name}`) ?? 1) - 1;
  events.push({
    type: 'PodDeletionRequested',
    data: { namespace: pod.namespace, name: pod.name, reason: 'scaled down' },
    id: eventId(offset),
    time: last.time,
    expect: stale,
  });
}

function manifestOf(fn: FunctionTrack): FunctionManifest {
  return FunctionManifest.parse({
    apiVersion: 'tide.dev/v1',
    kind: 'Function',
    metadata: { name: fn.name, labels: { team: fn.namespace, tier: fn.name.endsWith('0') ? 'edge' : 'internal' } },
    spec: {
      source: { artifact: `sha256:${createHash('sha256').update(`${fn.name}@${fn.build}`).digest('hex')}` },
      env: { LOG_LEVEL: 'info', BUILD: String(fn.build), UPSTREAM_URL: `http://${fn.name}.internal:8080/v1` },
      scale: { min: fn.replicas, max: 10 },
    },
  });
}

/** Deterministic uuid-shaped ids, so two runs of the bench write the same log. */
function eventId(offset: number): string {
  return `00000000-0000-4000-8000-${offset.toString(16).padStart(12, '0')}`;
}

/** A small seeded PRNG (mulberry32): same seed, same stream. */
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
