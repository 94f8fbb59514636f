import { describe, expect, it } from 'vitest';
import { hostRouteCandidates, parseInvocationHost } from './parse-invocation-host.js';

describe('parseInvocationHost', () => {
  it.each([
    ['hello.default.localhost', 'localhost', 'default', 'hello'],
    ['hello.default.localhost:8080', 'localhost', 'default', 'hello'],
    ['Hello.Default.LOCALHOST:8080', 'localhost', 'default', 'hello'],
    ['hello.default.localhost.', 'localhost', 'default', 'hello'],
    ['hello.default.localhost.:80', 'localhost', 'default', 'hello'],
    ['hello-2.team-a.fn.example.com', 'fn.example.com', 'team-a', 'hello-2'],
  ])('routes %s (domain %s) to %s/%s', (host, domain, namespace, name) => {
    const parsed = parseInvocationHost(host, domain);
    expect(parsed?.namespace).toBe(namespace);
    expect(parsed?.candidates[0]).toEqual({ name });
  });

  it.each([
    [undefined, 'localhost'],
    ['localhost:8080', 'localhost'],
    ['127.0.0.1:8080', 'localhost'],
    ['[::1]:8080', 'localhost'],
    ['default.localhost', 'localhost'],
    ['a.hello.default.localhost', 'localhost'],
    ['hello.default.notlocalhost', 'localhost'],
    ['hello.defaultlocalhost', 'localhost'],
    ['hello.default.example.com', 'localhost'],
    ['hello_world.default.localhost', 'localhost'],
    ['hello.-bad.localhost', 'localhost'],
    ['.default.localhost', 'localhost'],
    [`${'a'.repeat(64)}.default.localhost`, 'localhost'],
  ])('leaves %s (domain %s) to the routes without a host', (host, domain) => {
    expect(parseInvocationHost(host, domain)).toBeUndefined();
  });

  it('reads a tag route as Knative names it: <tag>-<name>', () => {
    expect(parseInvocationHost('old-hello.default.localhost:8080', 'localhost')).toEqual({
      namespace: 'default',
      candidates: [{ name: 'old-hello' }, { name: 'hello', tag: 'old' }],
    });
  });
});

describe('hostRouteCandidates', () => {
  it.each([
    ['hello', [{ name: 'hello' }]],
    ['old-hello', [{ name: 'old-hello' }, { name: 'hello', tag: 'old' }]],
    ['a-b-c', [{ name: 'a-b-c' }, { name: 'b-c', tag: 'a' }, { name: 'c', tag: 'a-b' }]],
    ['a--b', [{ name: 'a--b' }]],
  ])('reads %s as %j', (label, candidates) => {
    expect(hostRouteCandidates(label)).toEqual(candidates);
  });
});
