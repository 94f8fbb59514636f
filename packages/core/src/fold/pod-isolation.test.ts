import { describe, expect, it } from 'vitest';
import { foldAll, functionManifest } from '../testing/builders.js';
import { isolationRefusal } from '../resources/pod-isolation.js';
import { TideEvent } from '../events.js';

const namespace = (name: string) => ({ type: 'NamespaceApplied', data: { name, labels: {}, annotations: {} } }) as const;
const capacity = { memoryMb: 4096, cpuMilli: 2000, pods: 100 };
const node = (bootId: string, isolation?: { sandbox: 'bwrap' | 'none'; insecureSingleTenant?: boolean }) =>
  ({ type: 'NodeRegistered', data: { name: 'local', bootId, address: '127.0.0.1', capacity, ...(isolation ? { isolation } : {}) } }) as const;
const fn = (ns: string) => ({ type: 'FunctionApplied', data: { namespace: ns, manifest: functionManifest('hello') } }) as const;
const pod = (ns: string) => ({ namespace: ns, name: 'hello-00001-abcde' });
const created = (ns: string) => ({ type: 'PodCreated', data: { ...pod(ns), revision: 'hello-00001' } }) as const;
const bound = (ns: string) => ({ type: 'PodBound', data: { ...pod(ns), node: 'local' } }) as const;

describe('pod isolation (the fold)', () => {
  it("refuses to bind another namespace's pod to a node that does not sandbox, saying why", () => {
    const { verdicts, state } = foldAll([namespace('team-b'), node('boot-1', { sandbox: 'none' }), fn('team-b'), created('team-b'), bound('team-b')]);
    expect(verdicts[4]).toMatchObject({ accepted: false, code: 'forbidden' });
    expect(verdicts[4]!.accepted ? '' : verdicts[4]!.reason).toMatch(/node local does not sandbox pods.*--insecure-single-tenant/);
    expect(state.pods.get('team-b/hello-00001-abcde')?.status.phase).toBe('Pending');
  });

  it("binds namespace default's pod to an unsandboxed node, and any namespace's to a sandboxed or declared single-tenant one", () => {
    for (const [ns, isolation] of [
      ['default', { sandbox: 'none' }],
      ['team-b', { sandbox: 'bwrap' }],
      ['team-b', { sandbox: 'none', insecureSingleTenant: true }],
      ['team-b', undefined],
    ] as const) {
      const { verdicts } = foldAll([namespace(ns), node('boot-1', isolation), fn(ns), created(ns), bound(ns)]);
      expect(
        verdicts.every((v) => v.accepted),
        `${ns} on ${JSON.stringify(isolation)}`,
      ).toBe(true);
    }
  });

  it('removes the pods of namespaces a node no longer runs when it registers again unsandboxed', () => {
    const { verdicts, state } = foldAll([
      namespace('default'),
      namespace('team-b'),
      node('boot-1', { sandbox: 'bwrap' }),
      fn('team-b'),
      created('team-b'),
      bound('team-b'),
      fn('default'),
      created('default'),
      bound('default'),
      node('boot-2', { sandbox: 'none' }),
    ]);
    expect(verdicts.every((v) => v.accepted)).toBe(true);
    expect(state.pods.has('team-b/hello-00001-abcde')).toBe(false);
    expect(state.pods.get('default/hello-00001-abcde')?.status.phase).toBe('Bound');
    expect(state.nodes.get('local')?.spec.isolation).toEqual({ sandbox: 'none' });
  });

  it('takes a registration only with an isolation it knows', () => {
    const registration = (isolation: unknown) => TideEvent.safeParse({ ...node('boot-1'), data: { ...node('boot-1').data, isolation } });
    expect(registration({ sandbox: 'gvisor' }).success).toBe(false);
    expect(registration({ sandbox: 'none', extra: 1 }).success).toBe(false);
    expect(registration({ sandbox: 'none' }).data).toMatchObject({ data: { isolation: { sandbox: 'none', insecureSingleTenant: false } } });
  });

  it('says nothing against a node that did not say how it isolates (an older agent)', () => {
    expect(isolationRefusal(undefined, 'team-b')).toBeUndefined();
  });
});
