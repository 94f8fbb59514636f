import { describe, expect, it } from 'vitest';
import type { CliConfig } from './config-format.js';
import {
  type ConfigEdit,
  deleteContext,
  forgetCredential,
  forgetUp,
  rememberLogin,
  rememberUp,
  renameContext,
  setContext,
  useContext,
} from './context-edits.js';

const LOCAL = 'http://127.0.0.1:8080';
const PROD = 'https://tide.example.com';
const ADMIN_FILE = '/srv/.tide/admin.token';
const given: CliConfig = {
  currentContext: 'prod',
  contexts: {
    prod: { server: PROD, token: 'prod-token', namespace: 'team-a' },
    staging: { server: 'https://staging.example.com' },
  },
};

const changed = (edit: ConfigEdit): CliConfig => {
  if (!edit.ok) throw new Error(edit.problem);
  return edit.config;
};

describe('use-context, delete-context, rename-context', () => {
  it('use-context makes a context current', () => {
    expect(changed(useContext(given, 'staging')).currentContext).toBe('staging');
  });

  it.each([
    ['use-context', (c: CliConfig) => useContext(c, 'nope')],
    ['delete-context', (c: CliConfig) => deleteContext(c, 'nope')],
    ['rename-context', (c: CliConfig) => renameContext(c, 'nope', 'new')],
  ])('%s of a name that is not there: a usage error naming it and the contexts there are', (_what, edit) => {
    expect(edit(given)).toEqual({ ok: false, problem: 'there is no context "nope"; the contexts are prod, staging', exitCode: 2 });
  });

  it('delete-context of the current one leaves none current, and says so', () => {
    const edit = deleteContext(given, 'prod');
    expect(edit).toMatchObject({ ok: true, said: expect.stringMatching(/it was the current context, now there is none/) });
    expect(changed(edit)).toEqual({ contexts: { staging: given.contexts.staging } });
  });

  it('rename-context keeps the context current under its new name', () => {
    expect(changed(renameContext(given, 'prod', 'production'))).toEqual({
      currentContext: 'production',
      contexts: { staging: given.contexts.staging, production: given.contexts.prod },
    });
  });

  it('rename-context refuses a name that is taken or cannot be one', () => {
    expect(renameContext(given, 'prod', 'staging')).toMatchObject({ ok: false, exitCode: 2, problem: expect.stringMatching(/already a context "staging"/) });
    expect(renameContext(given, 'prod', 'my prod')).toMatchObject({
      ok: false,
      exitCode: 2,
      problem: expect.stringMatching(/"my prod" cannot name a context/),
    });
  });
});

describe('set-context', () => {
  it('makes a context from --server, not current', () => {
    const config = changed(setContext(given, 'dev', { server: LOCAL, namespace: 'team-b' }));
    expect(config.contexts.dev).toEqual({ server: LOCAL, namespace: 'team-b' });
    expect(config.currentContext).toBe('prod');
  });

  it('refuses to make one without a server', () => {
    expect(setContext(given, 'dev', { namespace: 'team-b' })).toMatchObject({
      ok: false,
      exitCode: 2,
      problem: expect.stringMatching(/give its --server URL/),
    });
  });

  it('changes only what is given: the token stays when the namespace changes', () => {
    expect(changed(setContext(given, 'prod', { namespace: 'team-b' })).contexts.prod).toEqual({ server: PROD, token: 'prod-token', namespace: 'team-b' });
  });

  it('takes the namespace away with --namespace ""', () => {
    expect(changed(setContext(given, 'prod', { namespace: '' })).contexts.prod).toEqual({ server: PROD, token: 'prod-token' });
  });

  it('--token-file replaces a kept token', () => {
    expect(changed(setContext(given, 'prod', { tokenFile: '/keys/prod.token' })).contexts.prod).toEqual({
      server: PROD,
      tokenFile: '/keys/prod.token',
      namespace: 'team-a',
    });
  });

  it('refuses a namespace that is not a DNS label', () => {
    expect(setContext(given, 'prod', { namespace: 'Team_A' })).toMatchObject({
      ok: false,
      exitCode: 2,
      problem: expect.stringMatching(/--namespace "Team_A" is not a namespace name/),
    });
  });
});

describe('login and logout', () => {
  it('a login keeps the token in the context, keeps its namespace, and makes it current', () => {
    const config = changed(rememberLogin({ ...given, currentContext: 'staging' }, 'prod', PROD, 'new-token'));
    expect(config.currentContext).toBe('prod');
    expect(config.contexts.prod).toEqual({ server: PROD, token: 'new-token', namespace: 'team-a' });
  });

  it("a login into tide up's context makes it the login's: tide up no longer takes it away", () => {
    const up = changed(rememberUp({ contexts: {} }, LOCAL, ADMIN_FILE));
    const loggedIn = changed(rememberLogin(up, 'tide-up-8080', LOCAL, 'alice-token'));
    expect(loggedIn.contexts['tide-up-8080']).toEqual({ server: LOCAL, token: 'alice-token' });
    expect(changed(forgetUp(loggedIn, LOCAL, ADMIN_FILE)).contexts['tide-up-8080']).toBeDefined();
  });

  it('a logout forgets the credential; the context keeps its server and namespace', () => {
    expect(changed(forgetCredential(given, 'prod')).contexts.prod).toEqual({ server: PROD, namespace: 'team-a' });
    expect(forgetCredential(given, 'staging')).toMatchObject({ ok: false, exitCode: 1 });
  });
});

describe('tide up', () => {
  it('names its admin token file in a context of its own, made current', () => {
    const config = changed(rememberUp(given, LOCAL, ADMIN_FILE));
    expect(config.currentContext).toBe('tide-up-8080');
    expect(config.contexts['tide-up-8080']).toEqual({ server: LOCAL, tokenFile: ADMIN_FILE, by: 'up' });
    expect(config.contexts.prod).toEqual(given.contexts.prod);
  });

  it("replaces an earlier tide up's context of that name, never one someone else made", () => {
    const earlier = changed(rememberUp(given, LOCAL, '/old/.tide/admin.token'));
    expect(Object.keys(changed(rememberUp(earlier, LOCAL, ADMIN_FILE)).contexts)).toEqual(['prod', 'staging', 'tide-up-8080']);
    const mine: CliConfig = { contexts: { 'tide-up-8080': { server: LOCAL, namespace: 'team-a' } } };
    const config = changed(rememberUp(mine, LOCAL, ADMIN_FILE));
    expect(config.currentContext).toBe('tide-up-8080-2');
    expect(config.contexts['tide-up-8080']).toEqual(mine.contexts['tide-up-8080']);
  });

  it('at stop takes out its context, renamed or not, and leaves none current if it was', () => {
    const up = changed(renameContext(changed(rememberUp(given, LOCAL, ADMIN_FILE)), 'tide-up-8080', 'local'));
    expect(changed(forgetUp(up, LOCAL, ADMIN_FILE))).toEqual({ contexts: given.contexts });
  });

  it("at stop leaves another tide up's context (another data directory) and the current one if not its own", () => {
    const other = changed(rememberUp(given, LOCAL, '/other/.tide/admin.token'));
    expect(changed(forgetUp(other, LOCAL, ADMIN_FILE))).toEqual(other);
    const switched = changed(useContext(changed(rememberUp(given, LOCAL, ADMIN_FILE)), 'prod'));
    expect(changed(forgetUp(switched, LOCAL, ADMIN_FILE))).toEqual(given);
  });
});
