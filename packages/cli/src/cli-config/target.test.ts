import { describe, expect, it } from 'vitest';
import type { CliConfig } from './config-format.js';
import { loginTarget, resolveTarget, type TargetSettings } from './target.js';

const FILE = '/home/u/.config/tide/config';
const LOCAL = 'http://127.0.0.1:8080';
const PROD = 'https://tide.example.com';
const config: CliConfig = {
  currentContext: 'prod',
  contexts: {
    prod: { server: PROD, token: 'prod-token', namespace: 'team-a' },
    'tide-up-8080': { server: LOCAL, tokenFile: '/srv/.tide/admin.token', by: 'up' },
    '127.0.0.1:8080': { server: LOCAL, token: 'alice-token' },
    staging: { server: 'https://staging.example.com' },
  },
};

const target = (settings: TargetSettings, from: CliConfig = config) => {
  const result = resolveTarget(settings, from, FILE);
  if (!result.ok) throw new Error(result.problem);
  return { server: result.target.server, namespace: result.target.namespace, context: result.target.contextName, credential: result.target.credential };
};

describe('resolveTarget: which server, credential and namespace a command uses', () => {
  it.each<[string, TargetSettings, { server: string; namespace: string; context: string | undefined; token?: string; file?: string }]>([
    ['the current context', {}, { server: PROD, namespace: 'team-a', context: 'prod', token: 'prod-token' }],
    [
      '--context over the current one',
      { context: { name: 'tide-up-8080', from: '--context' } },
      { server: LOCAL, namespace: 'default', context: 'tide-up-8080', file: '/srv/.tide/admin.token' },
    ],
    [
      'TIDE_CONTEXT alike',
      { context: { name: 'staging', from: 'TIDE_CONTEXT' } },
      { server: 'https://staging.example.com', namespace: 'default', context: 'staging' },
    ],
    ["-n over the context's namespace", { namespace: 'team-b' }, { server: PROD, namespace: 'team-b', context: 'prod', token: 'prod-token' }],
    [
      "TIDE_TOKEN over the context's token, its namespace kept",
      { token: 'env-token' },
      { server: PROD, namespace: 'team-a', context: 'prod', token: 'env-token' },
    ],
    [
      "--server of another server: the context for that one (named after it first), not the current one's token",
      { server: LOCAL },
      { server: LOCAL, namespace: 'default', context: '127.0.0.1:8080', token: 'alice-token' },
    ],
    [
      "--server of the current context's server: the current context",
      { server: PROD },
      { server: PROD, namespace: 'team-a', context: 'prod', token: 'prod-token' },
    ],
    [
      '--server of a server no context is for: no credential',
      { server: 'http://10.0.0.9:8080' },
      { server: 'http://10.0.0.9:8080', namespace: 'default', context: undefined },
    ],
    [
      '--context and --server together: that context with the server overridden, as kubectl does',
      { context: { name: 'prod', from: '--context' }, server: 'https://prod-2.example.com' },
      { server: 'https://prod-2.example.com', namespace: 'team-a', context: 'prod', token: 'prod-token' },
    ],
  ])('%s', (_what, settings, expected) => {
    const got = target(settings);
    expect({ server: got.server, namespace: got.namespace, context: got.context }).toEqual({
      server: expected.server,
      namespace: expected.namespace,
      context: expected.context,
    });
    if (expected.token) expect(got.credential).toMatchObject({ kind: 'token', token: expected.token });
    else if (expected.file) expect(got.credential).toMatchObject({ kind: 'file', file: expected.file });
    else expect(got.credential.kind).toBe('none');
  });

  it('with no config at all: 127.0.0.1:8080, namespace default, no token, saying so', () => {
    expect(target({}, { contexts: {} })).toEqual({
      server: LOCAL,
      namespace: 'default',
      context: undefined,
      credential: { kind: 'none', source: `no context for ${LOCAL} in ${FILE}` },
    });
  });

  it('says where each credential came from', () => {
    expect(target({}).credential.source).toBe(`the token \`tide login\` kept in context "prod" of ${FILE}`);
    expect(target({ context: { name: 'tide-up-8080', from: '--context' } }).credential.source).toBe(
      `/srv/.tide/admin.token (named by context "tide-up-8080" of ${FILE})`,
    );
    expect(target({ context: { name: 'staging', from: '--context' } }).credential.source).toBe(`context "staging" of ${FILE} holds no token`);
    expect(target({ token: 't' }).credential.source).toBe('TIDE_TOKEN');
  });

  it.each([
    ['--context', 2],
    ['TIDE_CONTEXT', 2],
  ] as const)('refuses a %s that names no context, listing those there are (exit %i)', (from, exitCode) => {
    expect(resolveTarget({ context: { name: 'stagin', from } }, config, FILE)).toEqual({
      ok: false,
      problem: `${from} "stagin": there is no such context in ${FILE}; the contexts are 127.0.0.1:8080, prod, staging, tide-up-8080`,
      exitCode,
    });
  });

  it('says the file is wrong when its current context is not in it (exit 1), and how to fix it', () => {
    const result = resolveTarget({}, { currentContext: 'gone', contexts: {} }, FILE);
    expect(result).toEqual({
      ok: false,
      problem: `the current context "gone" of ${FILE} is not in it; there are none yet: tide login or tide up makes one (tide config use-context NAME)`,
      exitCode: 1,
    });
  });

  it('does not take "constructor" for a context', () => {
    expect(resolveTarget({ context: { name: 'constructor', from: '--context' } }, config, FILE).ok).toBe(false);
  });
});

describe('resolveTarget on servers that are not one URL', () => {
  it("takes a node's list of control planes, and a server that is no URL, as given", () => {
    expect(target({ server: 'http://127.0.0.1:1,http://127.0.0.1:2' }).server).toBe('http://127.0.0.1:1,http://127.0.0.1:2');
    expect(target({ server: 'not a url' }).server).toBe('not a url');
  });
});

describe('loginTarget: the context tide login writes', () => {
  it.each<[string, TargetSettings, CliConfig, { name: string; server: string }]>([
    ['--context names it, made if new, on the current server', { context: { name: 'ci', from: '--context' } }, config, { name: 'ci', server: PROD }],
    [
      '--context of an existing context: its server',
      { context: { name: 'staging', from: '--context' } },
      config,
      { name: 'staging', server: 'https://staging.example.com' },
    ],
    ['the current context, for its server', {}, config, { name: 'prod', server: PROD }],
    [
      "not tide up's context (its admin token file stays named): the login's context for that server",
      {},
      { ...config, currentContext: 'tide-up-8080' },
      { name: '127.0.0.1:8080', server: LOCAL },
    ],
    [
      'a server with no context: a new one named after it',
      { server: 'http://10.0.0.9:8080' },
      config,
      { name: '10.0.0.9:8080', server: 'http://10.0.0.9:8080' },
    ],
    ['no config: 127.0.0.1:8080', {}, { contexts: {} }, { name: '127.0.0.1:8080', server: LOCAL }],
    [
      'a name already taken by another server: the next free one',
      { server: 'https://127.0.0.1:8080' },
      { contexts: { '127.0.0.1:8080': { server: LOCAL } } },
      { name: '127.0.0.1:8080-2', server: 'https://127.0.0.1:8080' },
    ],
  ])('%s', (_what, settings, from, expected) => {
    expect(loginTarget(settings, from)).toEqual(expected);
  });
});
