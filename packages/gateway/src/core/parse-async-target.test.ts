import { describe, expect, it } from 'vitest';
import { parseAsyncTarget } from './parse-async-target.js';

describe('parseAsyncTarget', () => {
  it.each([
    ['/async/default/hello', { namespace: 'default', name: 'hello', path: '/' }],
    ['/async/default/hello/orders/7?x=1', { namespace: 'default', name: 'hello', path: '/orders/7?x=1' }],
    ['/async/team-a/f?q', { namespace: 'team-a', name: 'f', path: '/?q' }],
  ])('%s', (url, expected) => {
    expect(parseAsyncTarget(url, undefined, undefined, undefined)).toMatchObject({ kind: 'async', ...expected });
  });

  it('refuses a bad name and a traffic tag', () => {
    expect(parseAsyncTarget('/async/Default/hello', undefined, undefined, undefined)).toMatchObject({
      kind: 'invalid',
      message: expect.stringMatching(/\/async\/\{namespace\}/),
    });
    expect(parseAsyncTarget('/async/default/hello@canary/', undefined, undefined, undefined)).toMatchObject({
      kind: 'invalid',
      message: expect.stringMatching(/not a traffic tag/),
    });
  });

  it('reads a host route only with X-Tide-Async: true', () => {
    expect(parseAsyncTarget('/p?x', 'hello.default.localhost:8080', 'true', 'localhost')).toMatchObject({
      kind: 'async',
      namespace: 'default',
      name: 'hello',
      path: '/p?x',
    });
    expect(parseAsyncTarget('/p', 'hello.default.localhost', undefined, 'localhost')).toBeUndefined();
    expect(parseAsyncTarget('/fn/default/hello', undefined, 'true', 'localhost')).toBeUndefined();
  });
});
