import { describe, expect, it } from 'vitest';
import type { IngressBackend, IngressModel } from './ingress-model.js';
import { runtimePlan } from './runtime-plan.js';

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
const a = { name: 'a', host: '127.0.0.1', port: 4001, maxconn: 50 };
const b = { name: 'b', host: '127.0.0.1', port: 4002, maxconn: 50 };

describe('runtimePlan', () => {
  it('reloads on first start and when a revision backend comes or goes', () => {
    expect(runtimePlan(undefined, model([]), files)).toEqual({ kind: 'reload', reason: 'first start' });
    expect(runtimePlan(model([backend([a])]), model([backend([a]), backend([], 'rev.default.hello-00002')]), files)).toEqual({
      kind: 'reload',
      reason: 'backend rev.default.hello-00002 added',
    });
    expect(runtimePlan(model([backend([a])]), model([]), files)).toMatchObject({ kind: 'reload', reason: 'backend rev.default.hello-00001 removed' });
  });

  it('adds a pod as a ready server, and takes one out of service last, to be deleted once idle', () => {
    const plan = runtimePlan(model([backend([a])], [['default/hello/0', 'x']]), model([backend([b])], [['default/hello/0', 'y']]), files);
    expect(plan).toEqual({
      kind: 'commands',
      commands: [
        'add server rev.default.hello-00001/b 127.0.0.1:4002 check inter 1s rise 1 fall 1 observe layer4 error-limit 1 on-error mark-down maxconn 50',
        'enable health rev.default.hello-00001/b',
        'set server rev.default.hello-00001/b state ready',
        'set map /run/routes.map default/hello/0 y',
        'set server rev.default.hello-00001/a state maint',
      ],
      retiring: ['rev.default.hello-00001/a'],
    });
  });

  it('changes a pod’s maxconn in place and map entries by add, set and del', () => {
    const plan = runtimePlan(
      model([backend([a])], [
        ['k/0', 'x'],
        ['k/1', 'x'],
      ]),
      model([backend([{ ...a, maxconn: 10 }])], [
        ['k/0', 'y'],
        ['t/0', 'x'],
      ]),
      files,
    );
    expect(plan).toEqual({
      kind: 'commands',
      commands: ['set maxconn server rev.default.hello-00001/a 10', 'set map /run/routes.map k/0 y', 'add map /run/routes.map t/0 x', 'del map /run/routes.map k/1'],
      retiring: [],
    });
  });
});
