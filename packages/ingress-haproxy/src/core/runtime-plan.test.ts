import { describe, expect, it } from 'vitest';
import type { IngressBackend, IngressModel } from './ingress-model.js';
import { runtimePlan, type HeldState } from './runtime-plan.js';
import { slotsForConfig } from './server-slots.js';

const files = { routes: '/run/routes.map', hosts: '/run/hosts.map' };
const backend = (servers: IngressBackend['servers'], name = 'rev.default.hello-00001'): IngressBackend => ({
  name,
  namespace: 'default',
  function: 'hello',
  servers,
  requestBodyBytes: 6,
  responseBodyBytes: 6,
  serverTimeoutMs: 31_000,
  queueTimeoutMs: 30_000,
});
const model = (backends: IngressBackend[], routes: [string, string][] = []): IngressModel => ({
  backends: new Map(backends.map((b) => [b.name, b])),
  routes: new Map(routes),
  hosts: new Map(),
  viaGateway: new Map(),
});
/** What haproxy holds right after a reload with `m`. */
const reloaded = (m: IngressModel): HeldState => ({ model: m, slots: slotsForConfig(m) });
const pod = (name: string, port: number) => ({ name, host: '127.0.0.1', port, maxconn: 50 });
const a = pod('a', 4001);
const b = pod('b', 4002);

describe('runtimePlan', () => {
  it('reloads on first start and when a revision backend comes or goes', () => {
    expect(runtimePlan(undefined, model([]), files)).toEqual({ kind: 'reload', reason: 'first start' });
    expect(runtimePlan(reloaded(model([backend([a])])), model([backend([a]), backend([], 'rev.default.hello-00002')]), files)).toEqual({
      kind: 'reload',
      reason: 'backend rev.default.hello-00002 added',
    });
    expect(runtimePlan(reloaded(model([backend([a])])), model([]), files)).toMatchObject({ kind: 'reload', reason: 'backend rev.default.hello-00001 removed' });
  });

  it('puts a new pod in a free slot, moves routes, and takes the pod that left out of service last', () => {
    const plan = runtimePlan(reloaded(model([backend([a])], [['default/hello/0', 'x']])), model([backend([b])], [['default/hello/0', 'y']]), files);
    expect(plan).toMatchObject({
      kind: 'commands',
      commands: [
        'set server rev.default.hello-00001/s2 addr 127.0.0.1 port 4002',
        'set maxconn server rev.default.hello-00001/s2 50',
        'set server rev.default.hello-00001/s2 state ready',
        'set map /run/routes.map default/hello/0 y',
        'set server rev.default.hello-00001/s1 state maint',
      ],
    });
    if (plan.kind !== 'commands') throw new Error('expected commands');
    expect([...plan.slots.backends.get('rev.default.hello-00001')!.pods]).toEqual([['b', 2]]);
  });

  it('changes a pod’s maxconn in place and map entries by add, set and del', () => {
    const plan = runtimePlan(
      reloaded(
        model(
          [backend([a])],
          [
            ['k/0', 'x'],
            ['k/1', 'x'],
          ],
        ),
      ),
      model(
        [backend([{ ...a, maxconn: 10 }])],
        [
          ['k/0', 'y'],
          ['t/0', 'x'],
        ],
      ),
      files,
    );
    expect(plan).toMatchObject({
      kind: 'commands',
      commands: [
        'set maxconn server rev.default.hello-00001/s1 10',
        'set map /run/routes.map k/0 y',
        'add map /run/routes.map t/0 x',
        'del map /run/routes.map k/1',
      ],
    });
  });

  it('reloads when a backend’s pods outgrow its slots (8, or twice the pods it had)', () => {
    const many = Array.from({ length: 9 }, (_, i) => pod(`p${i}`, 5000 + i));
    expect(runtimePlan(reloaded(model([backend([a])])), model([backend(many)]), files)).toEqual({
      kind: 'reload',
      reason: 'backend rev.default.hello-00001 has no free server slot (8 slots, 9 pods)',
    });
  });
});
