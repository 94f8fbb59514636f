import { describe, expect, it } from 'vitest';
import { foldAll, functionManifest, newestRules } from '../testing/builders.js';
import type { EventEnvelope } from '../events.js';

type Input = Omit<EventEnvelope, 'id' | 'time'> & { writer?: string };

/** A cluster with namespace a, function f, pod p bound to node n1, node n1 and n2 registered. */
function cluster(): Input[] {
  const node = (name: string): Input => ({
    type: 'NodeRegistered',
    data: { name, bootId: 'b', address: '127.0.0.1:1', capacity: { memoryMb: 1024, cpuMilli: 1000, pods: 10 }, labels: {}, taints: [] },
  });
  return [
    ...(newestRules() as Input[]),
    { type: 'NamespaceApplied', data: { name: 'a', labels: {}, annotations: {} } },
    { type: 'FunctionApplied', data: { namespace: 'a', manifest: functionManifest('f') } },
    node('n1'),
    node('n2'),
    { type: 'PodCreated', data: { namespace: 'a', name: 'p', revision: 'f-00001' } },
    { type: 'PodBound', data: { namespace: 'a', name: 'p', node: 'n1' } },
  ];
}

const status = (node: string, writer: string): Input => ({
  type: 'PodStatusReported',
  data: { namespace: 'a', name: 'p', node, bootId: 'b', phase: 'Ready', endpoint: '127.0.0.1:9', restartCount: 0 },
  writer,
});

describe('writer rights (rules version 4)', () => {
  it('sets up the cluster it judges in', () => {
    expect(foldAll(cluster()).verdicts.every((v) => v.accepted)).toBe(true);
  });

  it('lets a node report its own pods and refuses another node speaking for them', () => {
    const { verdicts } = foldAll([...cluster(), status('n1', 'node:n1'), status('n1', 'node:n2'), status('n2', 'node:n2')]);
    expect(verdicts.slice(-3).map((v) => (v.accepted ? 'ok' : v.code))).toEqual(['ok', 'forbidden', 'forbidden']);
  });

  it('refuses forged control-plane events from a node, a gateway, a person or an unknown writer', () => {
    const forged: Input = { type: 'FunctionDeleted', data: { namespace: 'a', name: 'f' } };
    const { verdicts, state } = foldAll([
      ...cluster(),
      { ...forged, writer: 'node:n1' },
      { ...forged, writer: 'gateway:gw' },
      { ...forged, writer: 'user:admin' },
      { ...forged, writer: 'nobody' },
    ]);
    expect(verdicts.slice(-4).map((v) => (v.accepted ? 'ok' : v.code))).toEqual(['forbidden', 'forbidden', 'forbidden', 'forbidden']);
    expect(state.functions.has('a/f')).toBe(true);
  });

  it('lets only control planes (and the triggers process, for its own role) take leadership', () => {
    const elect = (role: string, writer?: string): Input => ({ type: 'LeaderElected', data: { role, epoch: 1, holder: 'x' }, ...(writer ? { writer } : {}) });
    const { verdicts } = foldAll([
      ...cluster(),
      elect('controllers', 'node:n1'),
      elect('controllers', 'triggers:t'),
      elect('triggers', 'triggers:t'),
      elect('controllers'),
    ]);
    expect(verdicts.slice(-4).map((v) => (v.accepted ? 'ok' : v.code))).toEqual(['forbidden', 'forbidden', 'ok', 'ok']);
  });

  it('lets a node register only itself', () => {
    const base = cluster();
    const register = { ...base[base.length - 4]!, writer: 'node:n2' } as Input;
    expect(foldAll([...base, register]).verdicts.at(-1)).toMatchObject({ accepted: false, code: 'forbidden' });
  });
});
