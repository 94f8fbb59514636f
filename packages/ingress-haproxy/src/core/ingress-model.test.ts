import { describe, expect, it } from 'vitest';
import type { FunctionRoute } from '@tide/gateway';
import { ingressModelOf } from './ingress-model.js';

const base = { namespace: 'default', name: 'hello', timeoutMs: 30_000, concurrency: 50, limits: { requestBodyBytes: 1000, responseBodyBytes: 2000 } };
const pod = (name: string, port: number) => ({ pod: name, url: `http://127.0.0.1:${port}`, concurrency: 50 });
const revision = (rev: string, endpoints: FunctionRoute['endpoints']): FunctionRoute => ({ ...base, key: `default/hello#${rev}`, revision: rev, endpoints });

function routes(...entries: [string, FunctionRoute][]): Map<string, FunctionRoute> {
  return new Map(entries);
}
const options = { domain: 'localhost', namespaceNeedsGateway: () => undefined };

describe('ingressModelOf', () => {
  it('makes a backend per revision with a server per ready pod, maxconn its concurrency', () => {
    const r1 = revision('hello-00001', [pod('hello-00001-a', 4001), pod('hello-00001-b', 4002)]);
    const model = ingressModelOf(
      routes(['default/hello', { ...base, key: 'default/hello', endpoints: [], split: [{ percent: 100, key: r1.key! }] }], [r1.key!, r1]),
      options,
    );
    expect([...model.backends.keys()]).toEqual(['rev.default.hello-00001']);
    const backend = model.backends.get('rev.default.hello-00001')!;
    expect(backend.servers).toEqual([
      { name: 'hello-00001-a', host: '127.0.0.1', port: 4001, maxconn: 50 },
      { name: 'hello-00001-b', host: '127.0.0.1', port: 4002, maxconn: 50 },
    ]);
    expect(backend).toMatchObject({ requestBodyBytes: 1000, responseBodyBytes: 2000, serverTimeoutMs: 31_000, queueTimeoutMs: 30_000 });
    expect(model.routes.size).toBe(100);
    expect(new Set(model.routes.values())).toEqual(new Set(['rev.default.hello-00001']));
    expect(model.hosts.get('hello.default.localhost')).toBe('default/hello');
  });

  it('cuts a 90/10 split into 90 and 10 buckets, and routes a tag to its revision', () => {
    const r1 = revision('hello-00001', [pod('a', 4001)]);
    const r2 = revision('hello-00002', [pod('b', 4002)]);
    const split = [
      { percent: 90, key: r2.key! },
      { percent: 10, key: r1.key! },
    ];
    const model = ingressModelOf(
      routes(['default/hello', { ...base, key: 'default/hello', endpoints: [], split }], [r1.key!, r1], [r2.key!, r2], ['default/hello@old', r1]),
      options,
    );
    const counts = new Map<string, number>();
    for (let b = 0; b < 100; b++) {
      const backend = model.routes.get(`default/hello/${b}`)!;
      counts.set(backend, (counts.get(backend) ?? 0) + 1);
    }
    expect(Object.fromEntries(counts)).toEqual({ 'rev.default.hello-00002': 90, 'rev.default.hello-00001': 10 });
    expect(model.routes.get('default/hello@old/57')).toBe('rev.default.hello-00001');
    expect(model.hosts.get('old-hello.default.localhost')).toBe('default/hello@old');
  });

  it('keeps a backend with no ready pod (its calls go to the activator)', () => {
    const r1 = revision('hello-00001', []);
    const model = ingressModelOf(
      routes(['default/hello', { ...base, key: 'default/hello', endpoints: [], split: [{ percent: 100, key: r1.key! }] }], [r1.key!, r1]),
      options,
    );
    expect(model.backends.get('rev.default.hello-00001')!.servers).toEqual([]);
    expect(model.routes.get('default/hello/0')).toBe('rev.default.hello-00001');
  });

  it('gives no route to a token function or a rate-limited namespace: the gateway serves them whole', () => {
    const r1 = revision('hello-00001', [pod('a', 4001)]);
    const secured = { ...base, access: 'token' as const, key: 'default/hello', endpoints: [], split: [{ percent: 100, key: r1.key! }] };
    const tokenModel = ingressModelOf(routes(['default/hello', secured], [r1.key!, { ...r1, access: 'token' }]), options);
    expect(tokenModel.routes.size).toBe(0);
    expect(tokenModel.hosts.size).toBe(0);
    expect(tokenModel.viaGateway.get('default/hello')).toMatch(/access: token/);
    const quota = ingressModelOf(routes(['default/hello', { ...secured, access: undefined } as FunctionRoute], [r1.key!, r1]), {
      ...options,
      namespaceNeedsGateway: (ns) => `namespace ${ns} has an invocation quota`,
    });
    expect(quota.routes.size).toBe(0);
    expect(quota.viaGateway.get('default/hello')).toMatch(/quota/);
  });

  it('leaves a host two routes could claim to the gateway', () => {
    const r1 = revision('hello-00001', [pod('a', 4001)]);
    const other = { ...base, name: 'old-hello', key: 'default/old-hello', endpoints: [], split: [{ percent: 100, key: r1.key! }] };
    const model = ingressModelOf(
      routes(
        ['default/hello', { ...base, key: 'default/hello', endpoints: [], split: [{ percent: 100, key: r1.key! }] }],
        [r1.key!, r1],
        ['default/hello@old', r1],
        ['default/old-hello', other],
      ),
      options,
    );
    expect(model.hosts.has('old-hello.default.localhost')).toBe(false);
    expect(model.hosts.get('hello.default.localhost')).toBe('default/hello');
  });
});
