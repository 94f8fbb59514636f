import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import { parse } from 'yaml';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import { bootstrapTokenIn, startJoiningNode } from '../support/component-tokens.js';
import { baseEnv, cliEntry, freePort, repoRoot, runCli, startTide, stopTide, type TideProcess } from '../support/tide-process.js';

/** The tide CLI as a kubectl user drives it, against a real `tide up`: what they type, what they see. */
let dir: Awaited<ReturnType<typeof makeTempDir>>;
let tide: TideProcess;
let artifact: string;

const CHATTY = `export default {
  async fetch(request) {
    console.log('serving ' + new URL(request.url).pathname);
    return new Response('ok');
  },
};
`;

const tideCli = (args: string[], input?: string) => runCli(args, { server: tide.url, ...(input === undefined ? {} : { input }) });

/** Runs a command that follows (events, get -w) until its output matches every pattern in turn; then interrupts it. */
async function following(args: string[], steps: { until: RegExp; act?: () => Promise<void> }[]): Promise<string> {
  const child = spawn(process.execPath, [cliEntry, ...args], {
    cwd: repoRoot,
    env: { ...baseEnv(), TIDE_SERVER: tide.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    for (const step of steps) {
      await eventually(() => expect(out).toMatch(step.until), { timeoutMs: 20_000, intervalMs: 50 });
      await step.act?.();
    }
    return out;
  } finally {
    child.kill('SIGINT');
    await exited;
  }
}

const manifest = (name: string, extra: { namespace?: string; labels?: Record<string, string>; env?: Record<string, string> } = {}) =>
  JSON.stringify({
    apiVersion: 'tide.dev/v1',
    kind: 'Function',
    metadata: { name, ...(extra.namespace ? { namespace: extra.namespace } : {}), labels: extra.labels ?? {} },
    spec: { source: { artifact }, env: extra.env ?? {}, scale: { min: 0, max: 2 } },
  });

beforeAll(async () => {
  dir = await makeTempDir('tide-kubectl-');
  await mkdir(join(dir.path, 'chatty'), { recursive: true });
  await writeFile(join(dir.path, 'chatty', 'index.mjs'), CHATTY);
  tide = await startTide({ dataDir: join(dir.path, 'data'), port: await freePort() });
  const deployed = await tideCli(['deploy', join(dir.path, 'chatty')]);
  expect(deployed.code, deployed.stderr).toBe(0);
  artifact = JSON.parse((await tideCli(['get', 'function', 'chatty', '-o', 'json'])).stdout).spec.source.artifact;
}, 90_000);

afterAll(async () => {
  await stopTide(tide);
  await dir?.remove();
});

describe('tide get, as kubectl get', () => {
  it('-o name prints function/NAME lines', async () => {
    const res = await tideCli(['get', 'functions', '-o', 'name']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout.trim().split('\n')).toContain('function/chatty');
  });

  it('-l filters by labels (in the API), and a malformed selector is named', async () => {
    expect((await tideCli(['apply', '-f', '-'], manifest('web', { labels: { team: 'web' } }))).code).toBe(0);
    const web = await tideCli(['get', 'functions', '-l', 'team=web', '-o', 'name']);
    expect(web.stdout.trim()).toBe('function/web');
    const others = await tideCli(['get', 'functions', '-l', 'team!=web', '-o', 'name']);
    expect(others.stdout).toMatch(/function\/chatty/);
    expect(others.stdout).not.toMatch(/function\/web/);
    const bad = await tideCli(['get', 'functions', '-l', 'team=web,=x']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/labelSelector "team=web,=x": term "=x"/);
  });

  it('-A lists every namespace with a NAMESPACE column', async () => {
    expect((await tideCli(['create', 'namespace', 'team-a'])).stdout).toMatch(/namespace\/team-a created/);
    const applied = await tideCli(['apply', '-f', '-'], manifest('api', { namespace: 'team-a' }));
    expect(applied.stdout, applied.stderr).toMatch(/function\/api (created|configured)/);
    const all = await tideCli(['get', 'functions', '-A']);
    expect(all.stdout).toMatch(/^NAMESPACE\s+NAME\s+REVISION/);
    expect(all.stdout).toMatch(/^team-a\s+api\s+api-00001/m);
    expect(all.stdout).toMatch(/^default\s+chatty\s+chatty-00001/m);
    expect((await tideCli(['get', 'functions', '-o', 'name'])).stdout).not.toMatch(/function\/api/);
  });

  it("--function lists one function's pods, as -l tide.dev/function= does", async () => {
    const pods = await tideCli(['get', 'pods', '--function', 'chatty', '-o', 'name']);
    expect(
      pods.stdout
        .trim()
        .split('\n')
        .every((line) => /^pod\/chatty-/.test(line)),
      pods.stdout,
    ).toBe(true);
    const labelled = await tideCli(['get', 'pods', '-l', 'tide.dev/function=web', '-o', 'name']);
    expect(labelled.stdout).not.toMatch(/chatty/);
  });

  it('says a missing function is not found in its namespace (exit 1)', async () => {
    for (const verb of ['get', 'delete']) {
      const res = await tideCli([verb, 'function', 'missing']);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/function "missing" not found in namespace default/);
    }
  });

  it('-w prints the list, then a row when an object changes', async () => {
    const out = await following(
      ['get', 'functions', '-w'],
      [
        { until: /NAME\s+REVISION[\s\S]*chatty/, act: async () => void (await tideCli(['scale', 'function/web', '--max', '3'])) },
        { until: /\n(web\s+web-00001\s+\S+\s+\S+\s+0\.\.3)/ },
      ],
    );
    expect(out.match(/^NAME\s+REVISION/gm)).toHaveLength(1);
  });
});

describe('apply round-trips what get printed', () => {
  it('get -o yaml | apply -f - is accepted unchanged, with no new revision', async () => {
    const yaml = (await tideCli(['get', 'function', 'chatty', '-o', 'yaml'])).stdout;
    expect(parse(yaml).status.latestRevision).toBe('chatty-00001');
    const applied = await tideCli(['apply', '-f', '-'], yaml);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/function\/chatty configured/);
    expect(JSON.parse((await tideCli(['get', 'function', 'chatty', '-o', 'json'])).stdout).status.latestRevision).toBe('chatty-00001');
  });
});

describe('scale and rollout', () => {
  it('scale changes min and max without a new revision', async () => {
    const res = await tideCli(['scale', 'function/web', '--min', '1', '--max', '4']);
    expect(res.stdout, res.stderr).toMatch(/function\/web scaled: 1\.\.4 replicas, serving web-00001/);
    const fn = JSON.parse((await tideCli(['get', 'function/web', '-o', 'json'])).stdout);
    expect(fn.spec.scale).toMatchObject({ min: 1, max: 4 });
    expect(fn.status.revisionCount).toBe(1);
  });

  it('history lists revisions with what changed and the one serving; undo toggles; --to-revision takes a number', async () => {
    await tideCli(['apply', '-f', '-'], manifest('web', { labels: { team: 'web' }, env: { V: '2' } }));
    await tideCli(['apply', '-f', '-'], manifest('web', { labels: { team: 'web' }, env: { V: '3' } }));
    const history = await tideCli(['rollout', 'history', 'function/web']);
    expect(history.stdout).toMatch(/^REVISION\s+NAME\s+CREATED\s+TRAFFIC\s+CHANGE$/m);
    expect(history.stdout).toMatch(/^1\s+web-00001\s+\d{4}-\d\d-\d\dT\S+\s+-\s+first revision$/m);
    expect(history.stdout).toMatch(/^\*3\s+web-00003\s+\S+\s+100%\s+env V$/m);
    expect((await tideCli(['rollout', 'undo', 'function/web'])).stdout).toMatch(/rolled back to web-00002/);
    expect((await tideCli(['rollout', 'undo', 'function/web'])).stdout).toMatch(/rolled back to web-00003/);
    expect((await tideCli(['rollout', 'undo', 'function/web', '--to-revision', '1'])).stdout).toMatch(/rolled back to web-00001/);
    expect((await tideCli(['rollout', 'history', 'web'])).stdout).toMatch(/^\*1\s+web-00001/m);
  });
});

describe('namespaces', () => {
  it('create, refuse to create twice, delete with everything in it', async () => {
    expect((await tideCli(['create', 'namespace', 'scratch'])).code).toBe(0);
    const twice = await tideCli(['create', 'namespace', 'scratch']);
    expect([twice.code, twice.stderr]).toEqual([1, expect.stringMatching(/namespace "scratch" already exists/)]);
    await tideCli(['apply', '-f', '-'], manifest('tmp', { namespace: 'scratch' }));
    expect((await tideCli(['delete', 'namespace', 'scratch'])).stdout).toMatch(/namespace "scratch" deleted/);
    expect((await tideCli(['get', 'function', 'tmp', '-n', 'scratch'])).stderr).toMatch(/function "tmp" not found in namespace scratch/);
    expect((await tideCli(['get', 'namespace', 'scratch'])).stderr).toMatch(/namespace "scratch" not found/);
  });
});

describe('events and logs', () => {
  it('tide events prints a header, the history, then follows', async () => {
    await following(
      ['events'],
      [
        { until: /^\s*OFFSET\s+TIME\s+TYPE\s+OBJECT\s+VERDICT/m },
        { until: /NamespaceApplied\s+default\s+accepted/, act: async () => void (await tideCli(['create', 'namespace', 'later'])) },
        { until: /NamespaceApplied\s+later\s+accepted/ },
      ],
    );
  });

  it('tide logs --since 5m --timestamps prints recent lines, each with its time', async () => {
    expect((await request(`${tide.url}/fn/default/chatty/stamped`)).statusCode).toBe(200);
    await eventually(
      async () => {
        const logs = await tideCli(['logs', 'chatty', '--since', '5m', '--timestamps']);
        expect(logs.stdout).toMatch(/^\[chatty-[^\]]+\] \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z serving \/stamped$/m);
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    const bad = await tideCli(['logs', 'chatty', '--since', 'yesterday']);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringMatching(/--since must be a duration/)]);
  });
});

describe('nodes', () => {
  it('delete node refuses a Ready node, and removes one whose agent is gone', async () => {
    const spare = await startJoiningNode({
      server: tide.url,
      name: 'spare',
      dataDir: join(dir.path, 'spare'),
      bootstrapToken: bootstrapTokenIn(join(dir.path, 'data')),
      args: ['--warm-pool', '0'],
    });
    try {
      // Cordoned at once: the other tests' pods stay where they are.
      expect((await tideCli(['cordon', 'spare'])).code).toBe(0);
      // Deleting nodes came with fold rules version 2: the leader switches a new cluster to it once every member speaks it.
      await eventually(
        async () => {
          const live = await tideCli(['delete', 'node', 'spare']);
          expect([live.code, live.stderr]).toEqual([1, expect.stringMatching(/node spare is Ready: its agent is still running/)]);
        },
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      spare.child.kill('SIGKILL');
      await spare.exited;
      await eventually(async () => expect((await tideCli(['get', 'nodes'])).stdout).toMatch(/^spare\s+NotReady/m), { timeoutMs: 60_000, intervalMs: 250 });
      expect((await tideCli(['delete', 'node/spare'])).stdout).toMatch(/node "spare" deleted/);
      expect((await tideCli(['get', 'nodes', '-o', 'name'])).stdout).not.toMatch(/node\/spare/);
    } finally {
      await stopTide(spare);
    }
  }, 90_000);
});
