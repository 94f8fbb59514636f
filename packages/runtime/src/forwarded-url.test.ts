import { describe, expect, it } from 'vitest';
import { callerMount, mountedLocation } from './forwarded-url.js';

describe('callerMount', () => {
  it.each([
    [
      'a call through /fn',
      { 'x-forwarded-host': 'api.test:8080', 'x-forwarded-proto': 'https', 'x-forwarded-prefix': '/fn/default/app' },
      { origin: 'https://api.test:8080', prefix: '/fn/default/app' },
    ],
    [
      'a call at the function host',
      { 'x-forwarded-host': 'app.default.localhost', 'x-forwarded-proto': 'http' },
      { origin: 'http://app.default.localhost', prefix: '' },
    ],
    [
      'several proxies: the first is the caller',
      { 'x-forwarded-host': 'a.test, b.test', 'x-forwarded-proto': 'https, http' },
      { origin: 'https://a.test', prefix: '' },
    ],
    ['an odd proto is plain http', { 'x-forwarded-host': 'a.test', 'x-forwarded-proto': 'gopher' }, { origin: 'http://a.test', prefix: '' }],
    ['a prefix that is not a path is ignored', { 'x-forwarded-host': 'a.test', 'x-forwarded-prefix': '//evil.test' }, { origin: 'http://a.test', prefix: '' }],
    ['a direct call (no forwarded host)', { host: '127.0.0.1:4000' }, undefined],
  ])('%s', (_name, headers, expected) => {
    expect(callerMount(headers)).toEqual(expected);
  });
});

describe('mountedLocation', () => {
  const mount = { origin: 'https://api.test', prefix: '/fn/default/app' };
  it.each([
    ['a root-relative redirect goes under the prefix', '/login?next=%2F', '/fn/default/app/login?next=%2F'],
    ['an absolute redirect to its own origin goes under the prefix', 'https://api.test/x#top', 'https://api.test/fn/default/app/x#top'],
    ['its bare origin is its root', 'https://api.test', 'https://api.test/fn/default/app/'],
    ['another origin is left alone', 'https://other.test/x', 'https://other.test/x'],
    ['a look-alike origin is left alone', 'https://api.test.evil/x', 'https://api.test.evil/x'],
    ['a relative redirect is left to the client', 'next', 'next'],
    ['a protocol-relative one is another origin', '//other.test/x', '//other.test/x'],
    ['a redirect already under the prefix stays', '/fn/default/app/x', '/fn/default/app/x'],
    ['a path that only starts like the prefix is not under it', '/fn/default/application', '/fn/default/app/fn/default/application'],
  ])('%s', (_name, location, expected) => {
    expect(mountedLocation(location, mount)).toBe(expected);
  });

  it('changes nothing when the function was called at its own host', () => {
    expect(mountedLocation('/login', { origin: 'https://app.default.example', prefix: '' })).toBe('/login');
  });
});
