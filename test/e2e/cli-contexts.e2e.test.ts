import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '@tide/testkit/testing';
import { freePort, runCli, startTide, stopTide, type StartedTide } from '../support/tide-process.js';

/**
 * The CLI's contexts as a kubectl user drives them, against a real `tide up` and a config file of
 * this test's own (TIDE_CONFIG; no TIDE_SERVER, so the contexts decide where commands go).
 */
let dir: Awaited<ReturnType<typeof makeTempDir>>;
let configFile: string;
let tide: StartedTide | undefined;
let upContext: string;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with only PATH, HOME and the given settings: TIDE_CONFIG is this test's unless `env` says otherwise. */
function cli(args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<Ran> {
  return runCli(args, { env: { HOME: dir.path, TIDE_CONFIG: configFile, ...options.env }, ...(options.input === undefined ? {} : { input: options.input }) });
}

async function ok(args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<string> {
  const ran = await cli(args, options);
  expect(ran.code, `tide ${args.join(' ')}\n${ran.stderr}`).toBe(0);
  return ran.stdout.trim();
}

beforeAll(async () => {
  dir = await makeTempDir('tide-contexts-');
  configFile = join(dir.path, 'config');
  const port = await freePort();
  upContext = `tide-up-${port}`;
  tide = await startTide({ dataDir: join(dir.path, 'data'), port, env: { TIDE_CONFIG: configFile } });
}, 60_000);

afterAll(async () => {
  await stopTide(tide);
  await dir?.remove();
});

describe.sequential('tide config and contexts', () => {
  it('tide up names its admin token file in a context of its own, made current: commands need no login', async () => {
    expect(await ok(['config', 'current-context'])).toBe(upContext);
    const table = await ok(['config', 'get-contexts']);
    expect(table).toMatch(/^CURRENT +NAME +SERVER +NAMESPACE +AUTH$/m);
    expect(table).toMatch(new RegExp(`^\\* +${upContext} +${tide!.url} +file:${join(dir.path, 'data', 'admin.token')}$`, 'm'));
    expect(await ok(['whoami'])).toBe(`admin (admin on *) at ${tide!.url} (context ${upContext})`);
  });

  it('tide login --context keeps a checked token in a context that becomes current; its namespace applies unless -n says otherwise', async () => {
    await ok(['create', 'namespace', 'team-a']);
    const alice = await ok(['token', 'create', 'alice', '--role', 'developer:team-a']);
    expect(await ok(['login', '--context', 'alice'], { input: alice })).toMatch(
      /^logged in to .* as alice \(developer on team-a\); the token is kept in context alice/,
    );
    expect(await ok(['config', 'current-context'])).toBe('alice');
    expect(await ok(['config', 'set-context', '--current', '--namespace', 'team-a'])).toBe('context "alice" modified');
    expect(await ok(['get', 'functions'])).toBe('No functions found in namespace team-a.');
    const elsewhere = await cli(['get', 'functions', '-n', 'default']);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toMatch(/namespace default not found/);
    const table = await ok(['config', 'get-contexts']);
    expect(table).toMatch(/^\* +alice +http:\S+ +team-a +token$/m);
    expect(table).not.toContain(alice);
    expect(readFileSync(configFile, 'utf8')).toContain(alice);
  });

  it('--context and TIDE_CONTEXT pick a context for one command; TIDE_TOKEN wins over the context', async () => {
    expect(await ok(['whoami'])).toMatch(/^alice /);
    expect(await ok(['whoami', '--context', upContext])).toMatch(/^admin /);
    expect(await ok(['whoami'], { env: { TIDE_CONTEXT: upContext } })).toMatch(/^admin /);
    expect(await ok(['whoami', '--context', 'alice'], { env: { TIDE_CONTEXT: upContext } })).toMatch(/^alice /);
    expect(await ok(['whoami'], { env: { TIDE_TOKEN: tide!.adminToken } })).toMatch(/^admin .*\(token from TIDE_TOKEN\)$/);
    expect(await ok(['config', 'current-context'])).toBe('alice');
  });

  it('refuses a context that is not there, naming it and the contexts there are (exit 2)', async () => {
    for (const ran of [await cli(['get', 'functions', '--context', 'alcie']), await cli(['whoami'], { env: { TIDE_CONTEXT: 'alcie' } })]) {
      expect(ran.code).toBe(2);
      expect(ran.stderr).toContain(`"alcie": there is no such context in ${configFile}; the contexts are alice, ${upContext}`);
    }
    const use = await cli(['config', 'use-context', 'alcie']);
    expect(use.code).toBe(2);
    expect(use.stderr).toBe(`tide: there is no context "alcie"; the contexts are alice, ${upContext}\n`);
  });

  it.each([
    [['config', 'use-context'], 'tide config use-context needs one context name'],
    [['config', 'get-contexts', 'alice'], 'tide config get-contexts takes no name'],
    [['config', 'rename-context', 'alice'], 'tide config rename-context needs the old and the new name'],
    [['config', 'set-context', 'new-one', '--namespace', 'team-a'], 'there is no context "new-one" yet: give its --server URL to make it'],
    [['config', 'set-context', 'alice', '--namespace', 'Team_A'], '--namespace "Team_A" is not a namespace name'],
    [['config', 'use-context', 'alice', '--token-file', 'x'], 'tide config use-context does not take --token-file'],
  ])('tide %j is a usage error (exit 2) saying what is wrong, and changes nothing', async (args, message) => {
    const before = readFileSync(configFile, 'utf8');
    const ran = await cli(args);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain(message);
    expect(readFileSync(configFile, 'utf8')).toBe(before);
  });

  it('renames and deletes contexts; the current one follows a rename, and none is current once it is deleted', async () => {
    await ok(['config', 'rename-context', 'alice', 'dev']);
    expect(await ok(['config', 'current-context'])).toBe('dev');
    expect(await ok(['whoami'])).toMatch(/^alice .*\(context dev\)$/);
    expect(await ok(['config', 'delete-context', 'dev'])).toMatch(/it was the current context, now there is none/);
    const none = await cli(['config', 'current-context']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no current context in/);
    await ok(['config', 'use-context', upContext]);
  });

  it('names a malformed config file and what is wrong with it, and leaves it as it is', async () => {
    const broken = join(dir.path, 'broken-config');
    writeFileSync(broken, '{"apiVersion": "tide.dev/v1", "kind": "Config", "contexts": {"a": {"server": "ftp://x"}}}');
    const ran = await cli(['config', 'set-context', 'b', '--server', tide!.url], { env: { TIDE_CONFIG: broken } });
    expect(ran.code).toBe(1);
    expect(ran.stderr).toBe(
      `tide: the Tide config ${broken} is not valid at contexts.a.server: "ftp://x" is not an http(s) URL: fix it (or remove it and log in again)\n`,
    );
    expect(readFileSync(broken, 'utf8')).toMatch(/ftp:\/\/x/);
  });

  it("keeps an earlier release's ~/.config/tide/config.json working, and writes ~/.config/tide/config from it", async () => {
    const xdg = join(dir.path, 'xdg');
    mkdirSync(join(xdg, 'tide'), { recursive: true });
    const legacy = { current: tide!.url, servers: { [tide!.url]: { tokenFile: join(dir.path, 'data', 'admin.token'), by: 'up' } } };
    writeFileSync(join(xdg, 'tide', 'config.json'), JSON.stringify(legacy), { mode: 0o600 });
    const env = { TIDE_CONFIG: '', XDG_CONFIG_HOME: xdg };
    expect(await ok(['whoami'], { env })).toMatch(/^admin /);
    await ok(['config', 'rename-context', upContext, 'local'], { env });
    expect(JSON.parse(readFileSync(join(xdg, 'tide', 'config'), 'utf8'))).toMatchObject({
      currentContext: 'local',
      contexts: { local: { server: tide!.url } },
    });
    expect(await ok(['whoami'], { env })).toMatch(/^admin .*\(context local\)$/);
  });

  it('tide up takes its context out when it stops, and leaves none current if it was', async () => {
    await stopTide(tide);
    tide = undefined;
    expect(await ok(['config', 'get-contexts'])).toMatch(/^No contexts in /);
    expect((await cli(['config', 'current-context'])).code).toBe(1);
  });
});
