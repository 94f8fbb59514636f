import { describe, expect, it } from 'vitest';
import { isDns1123Label, parseInvocationPath } from './parse-invocation-path.js';

describe('parseInvocationPath', () => {
  it.each([
    ['/fn/default/hello', 'default', 'hello', '/', '/fn/default/hello'],
    ['/fn/default/hello/', 'default', 'hello', '/', '/fn/default/hello'],
    ['/fn/default/hello?x=1&y=2', 'default', 'hello', '/?x=1&y=2', '/fn/default/hello'],
    ['/fn/team-a/hello-2/a/b%20c/?q=%2F', 'team-a', 'hello-2', '/a/b%20c/?q=%2F', '/fn/team-a/hello-2'],
    ['/fn/ns/fn/x//y', 'ns', 'fn', '/x//y', '/fn/ns/fn'],
  ])('routes %s to %s/%s with upstream path %s', (url, namespace, name, upstreamPath, prefix) => {
    expect(parseInvocationPath(url)).toEqual({ kind: 'target', namespace, name, upstreamPath, prefix });
  });

  it.each([
    ['/fn/Default/hello', 'namespace "Default"'],
    ['/fn/default/Hello', 'function name "Hello"'],
    ['/fn/default/hello_world', 'function name "hello_world"'],
    ['/fn/-bad/hello', 'namespace "-bad"'],
    ['/fn/default/bad-', 'function name "bad-"'],
    ['/fn//hello', 'namespace ""'],
    ['/fn/default', 'function name ""'],
    ['/fn/default/', 'function name ""'],
    ['/fn/default?x=1', 'function name ""'],
    ['/fn/d%41/hello', 'namespace "d%41"'],
    [`/fn/default/${'a'.repeat(64)}`, `function name "${'a'.repeat(64)}"`],
  ])('rejects %s naming the %s', (url, named) => {
    const result = parseInvocationPath(url);
    expect(result.kind).toBe('invalid');
    expect(result.kind === 'invalid' && result.message).toContain(`invalid ${named}`);
  });
});

describe('isDns1123Label', () => {
  it.each([
    ['a', true],
    ['a1-b2', true],
    ['0abc', true],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
    ['', false],
    ['A', false],
    ['a.b', false],
    ['a-', false],
  ])('%s → %s', (value, expected) => {
    expect(isDns1123Label(value)).toBe(expected);
  });
});

describe('parseInvocationPath with a traffic tag', () => {
  it('reads /fn/{ns}/{name}@{tag}/rest', () => {
    expect(parseInvocationPath('/fn/default/hello@canary/a?x=1')).toEqual({
      kind: 'target',
      namespace: 'default',
      name: 'hello',
      tag: 'canary',
      upstreamPath: '/a?x=1',
      prefix: '/fn/default/hello@canary',
    });
  });

  it('rejects a tag that is not a DNS-1123 label', () => {
    expect(parseInvocationPath('/fn/default/hello@Bad_Tag')).toMatchObject({ kind: 'invalid', message: expect.stringContaining('traffic tag') });
  });
});
