import { describe, expect, it } from 'vitest';
import { contextOf, parseCliConfig, serializeCliConfig, type CliConfig } from './config-format.js';

const TOKEN = `tide_alice_${'0'.repeat(64)}`;
const parsed = (value: unknown) => parseCliConfig(JSON.stringify(value));

describe('parseCliConfig: the current form', () => {
  it('reads contexts and the current one, servers normalised as --server is', () => {
    const result = parsed({
      apiVersion: 'tide.dev/v1',
      kind: 'Config',
      currentContext: 'prod',
      contexts: { prod: { server: 'https://tide.example.com/', token: TOKEN, namespace: 'team-a' }, local: { server: '127.0.0.1:8080' } },
    });
    expect(result).toEqual({
      ok: true,
      config: {
        currentContext: 'prod',
        contexts: { prod: { server: 'https://tide.example.com', token: TOKEN, namespace: 'team-a' }, local: { server: 'http://127.0.0.1:8080' } },
      },
    });
  });

  it('writes what it reads', () => {
    const config: CliConfig = { currentContext: 'a', contexts: { a: { server: 'http://127.0.0.1:8080', tokenFile: '/srv/.tide/admin.token', by: 'up' } } };
    expect(parseCliConfig(serializeCliConfig(config))).toEqual({ ok: true, config });
    expect(JSON.parse(serializeCliConfig(config))).toMatchObject({ apiVersion: 'tide.dev/v1', kind: 'Config' });
  });

  it.each([
    ['text that is not JSON', '{ "contexts": ', /^is not JSON \(/],
    ['another apiVersion', { apiVersion: 'tide.dev/v2', kind: 'Config', contexts: {} }, /^is not valid at apiVersion: /],
    ['a key it does not know', { apiVersion: 'tide.dev/v1', kind: 'Config', contexts: {}, users: {} }, /^is not valid at \(top\): .*users/],
    [
      'a server that is not http(s)',
      { apiVersion: 'tide.dev/v1', kind: 'Config', contexts: { a: { server: 'ftp://x' } } },
      /^is not valid at contexts\.a\.server: "ftp:\/\/x" is not an http\(s\) URL/,
    ],
    [
      'several servers',
      { apiVersion: 'tide.dev/v1', kind: 'Config', contexts: { a: { server: 'http://a,http://b' } } },
      /^is not valid at contexts\.a\.server/,
    ],
    [
      'a token and a token file',
      { apiVersion: 'tide.dev/v1', kind: 'Config', contexts: { a: { server: 'http://a', token: TOKEN, tokenFile: '/t' } } },
      /contexts\.a: has both token and tokenFile/,
    ],
    [
      'a name with a space',
      { apiVersion: 'tide.dev/v1', kind: 'Config', contexts: { 'a b': { server: 'http://a' } } },
      /^is not valid at contexts\.a b: the name must have no spaces/,
    ],
  ])('says what is wrong with %s', (_what, value, problem) => {
    const result = typeof value === 'string' ? parseCliConfig(value) : parsed(value);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problem).toMatch(problem);
  });

  it('takes a name such as "constructor" for a context only when the file has one', () => {
    const result = parsed({ apiVersion: 'tide.dev/v1', kind: 'Config', contexts: {} });
    expect(result.ok && contextOf(result.config, 'constructor')).toBeUndefined();
  });
});

describe('parseCliConfig: the file of earlier releases ({ current, servers })', () => {
  it("makes a context of each server: a login's named after it, a tide up's after its port; the current server's is current", () => {
    const result = parsed({
      current: 'http://127.0.0.1:8080',
      servers: {
        'http://127.0.0.1:8080': { tokenFile: '/srv/.tide/admin.token', by: 'up' },
        'https://tide.example.com': { token: TOKEN, by: 'login' },
      },
    });
    expect(result).toEqual({
      ok: true,
      config: {
        currentContext: 'tide-up-8080',
        contexts: {
          'tide-up-8080': { server: 'http://127.0.0.1:8080', tokenFile: '/srv/.tide/admin.token', by: 'up' },
          'tide.example.com': { server: 'https://tide.example.com', token: TOKEN },
        },
      },
    });
  });

  it('keeps two servers of one host apart', () => {
    const result = parsed({ servers: { 'http://tide.example.com': { token: TOKEN, by: 'login' }, 'https://tide.example.com': { token: TOKEN, by: 'login' } } });
    expect(result.ok && Object.keys(result.config.contexts)).toEqual(['tide.example.com', 'tide.example.com-2']);
  });

  it('keeps a current server that has no entry, as a context without a token', () => {
    expect(parsed({ current: 'http://10.0.0.5:8080', servers: {} })).toEqual({
      ok: true,
      config: { currentContext: '10.0.0.5:8080', contexts: { '10.0.0.5:8080': { server: 'http://10.0.0.5:8080' } } },
    });
  });

  it('reads an empty file as no contexts', () => {
    expect(parsed({})).toEqual({ ok: true, config: { contexts: {} } });
  });

  it('names a server key that is not a URL', () => {
    const result = parsed({ servers: { 'not a url': { token: TOKEN, by: 'login' } } });
    expect(!result.ok && result.problem).toMatch(/^is not valid at servers\.not a url: /);
  });
});
