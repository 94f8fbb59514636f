import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import { build } from 'esbuild';
import { makeTempDir } from '@tide/testkit/testing';
import { eventually } from '@tide/testkit/testing';
import { freePort, processesMentioning, repoRoot, runCli, startTide, stopTide, type StartedTide } from '../support/tide-process.js';

let dir: Awaited<ReturnType<typeof makeTempDir>>;
let tide: StartedTide;

beforeAll(async () => {
  dir = await makeTempDir('tide-e2e-');
  tide = await startTide({ dataDir: dir.path, port: await freePort(), args: ['--examples'], timeoutMs: 90_000 });
}, 120_000);

afterAll(async () => {
  await stopTide(tide);
  await dir?.remove();
});

/** A GET: to the API and /metrics as a cluster admin; to a function without the admin's token. */
const get = async (path: string) => {
  const res = await request(`${tide.url}${path}`, { headers: path.startsWith('/fn/') ? {} : tide.headers });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
};

describe('tide up with the examples', () => {
  it('serves the examples as soon as it says so', async () => {
    expect(tide.output()).toMatch(/deployed hello .*curl http:\/\/127\.0\.0\.1:\d+\/fn\/default\/hello/);
    const hello = await get('/fn/default/hello');
    expect(hello.status).toBe(200);
    expect(hello.text).toBe('Hello, world!\n');
    expect((await get('/fn/default/hono-app/todos')).text).toBe('[]');
  });

  it('serves Prometheus metrics of calls, pods, cold starts and log appends at /metrics', async () => {
    for (let i = 0; i < 3; i++) await get('/fn/default/hello');
    const text = (await get('/metrics')).text;
    expect(text).toMatch(/^tide_invocations_total\{namespace="default",function="hello",revision="hello-00001",status="200"[^}]*\} [3-9]/m);
    expect(text).toMatch(/^tide_invocation_duration_seconds_bucket\{/m);
    expect(text).toMatch(/^tide_pods\{namespace="default",function="hello",phase="Ready"[^}]*\} 1/m);
    expect(text).toMatch(/^tide_desired_replicas\{namespace="default",function="hello"/m);
    expect(text).toMatch(/^tide_cold_starts_total\{namespace="default",function="hello"/m);
    expect(text).toMatch(/^tide_log_append_seconds_count\{topic="tide.state"/m);
  });

  it('round-trips a 5 MB binary body through echo unchanged', async () => {
    const body = randomBytes(5 * 1024 * 1024);
    const res = await request(`${tide.url}/fn/default/echo/upload?x=1`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/octet-stream', 'x-custom': 'kept' },
    });
    const back = Buffer.from(await res.body.arrayBuffer());
    expect(res.statusCode).toBe(200);
    expect(createHash('sha256').update(back).digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));
    expect(res.headers['x-echo-path']).toBe('/upload');
    expect(res.headers['x-echo-query']).toBe('?x=1');
    expect(JSON.parse(String(res.headers['x-echo-headers']))['x-custom']).toBe('kept');
  });

  it('deploys with the CLI: the function answers once the command returns', async () => {
    const deployed = await runCli(['deploy', join(repoRoot, 'functions/hello'), '--name', 'greeter', '--env', 'GREETING=Ahoy'], { server: tide.url });
    expect(deployed.stderr + deployed.stdout).toMatch(/greeter is ready \(greeter-00001/);
    expect(deployed.code).toBe(0);
    expect((await get('/fn/default/greeter?name=Tide')).text).toBe('Ahoy, Tide!\n');
    const table = await runCli(['get', 'functions'], { server: tide.url });
    expect(table.stdout).toMatch(/greeter\s+greeter-00001\s+1\/1/);
    const invoked = await runCli(['invoke', 'greeter'], { server: tide.url });
    expect(invoked.stdout).toBe('Ahoy, world!\n');
  });

  it('deploy --no-wait returns once the revision is applied; rollout status then waits for it', async () => {
    const deployed = await runCli(['deploy', join(repoRoot, 'functions/hello'), '--name', 'quick', '--no-wait'], { server: tide.url });
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(deployed.stdout).toMatch(/^quick: quick-00001 applied, not waiting \(tide rollout status function\/quick\)/);
    const status = await runCli(['rollout', 'status', 'function/quick'], { server: tide.url });
    expect(status.code, status.stderr).toBe(0);
    expect((await runCli(['invoke', 'quick'], { server: tide.url })).stdout).toBe('Hello, world!\n');
    expect((await runCli(['delete', 'function', 'quick'], { server: tide.url })).code).toBe(0);
  });

  it('deploys with plain HTTP: upload the bundle, PUT the manifest', async () => {
    const bundle = await build({ entryPoints: [join(repoRoot, 'functions/hello/src/index.ts')], bundle: true, format: 'esm', platform: 'node', write: false });
    const upload = await request(`${tide.url}/apis/tide.dev/v1/artifacts`, { method: 'POST', headers: tide.headers, body: bundle.outputFiles[0]!.contents });
    expect(upload.statusCode).toBe(201);
    const { digest } = (await upload.body.json()) as { digest: string };
    const yaml = `apiVersion: tide.dev/v1\nkind: Function\nmetadata: { name: curled }\nspec:\n  source: { artifact: "${digest}" }\n  env: { GREETING: Howdy }\n`;
    const applied = await request(`${tide.url}/apis/tide.dev/v1/namespaces/default/functions/curled`, {
      method: 'PUT',
      body: yaml,
      headers: { ...tide.headers, 'content-type': 'application/yaml' },
    });
    expect(applied.statusCode).toBe(201);
    await applied.body.dump();
    // The first call is held until the new function's pod is ready, and answered (no timing asserted).
    const res = await get('/fn/default/curled');
    expect(res.text).toBe('Howdy, world!\n');
  });

  it('reports a function that throws at import, and keeps serving the others', async () => {
    const deployed = await runCli(['deploy', join(repoRoot, 'test/fixtures/functions/throws-at-import'), '--name', 'broken', '--wait', '4'], {
      server: tide.url,
    });
    expect(deployed.code).toBe(1);
    expect(deployed.stderr).toMatch(/missing DATABASE_URL/);
    // deploy gives up at the first import failure; the node goes on restarting the pod, with back-off.
    await eventually(
      async () => {
        const pods = await runCli(['get', 'pods', '-o', 'wide'], { server: tide.url });
        expect(pods.stdout).toMatch(/broken-00001-\w+\s+broken-00001\s+(Exited|Starting|Bound|CrashLoopBackOff)\s+[1-9]/);
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    await eventually(
      async () => {
        const call = await get('/fn/default/broken');
        expect(call.status).toBe(503);
        expect(call.headers['retry-after']).toBe('1');
        expect(call.text).toMatch(/import failed: Error: cannot start: missing DATABASE_URL/);
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    const functions = await runCli(['get', 'functions'], { server: tide.url });
    expect(functions.stdout).toMatch(/broken\s+broken-00001\s+0\/1\s+1\s+1\.\.20\s+Failing: import failed: Error: cannot start: missing DATABASE_URL/);
    expect((await get('/fn/default/hello')).status).toBe(200);
    // A crash-looping pod reports each restart; remove it so the log is quiet for the next tests.
    expect((await runCli(['delete', 'function', 'broken'], { server: tide.url })).code).toBe(0);
  });

  it('answers 502 when a pod dies mid-request, then restarts the pod', async () => {
    const deployed = await runCli(['deploy', join(repoRoot, 'test/fixtures/functions/exits-mid-request'), '--name', 'crashy'], { server: tide.url });
    expect(deployed.code).toBe(0);
    const crash = await get('/fn/default/crashy/crash');
    expect(crash.status).toBe(502);
    expect(crash.text).toMatch(/crashy-00001-\w+/);
    expect((await get('/fn/default/hello')).status).toBe(200);
    await eventually(
      async () => {
        const pod = JSON.parse((await runCli(['get', 'pods', '-o', 'json'], { server: tide.url })).stdout).items.find(
          (p: { spec: { function: string } }) => p.spec.function === 'crashy',
        );
        expect(pod.status.restartCount).toBeGreaterThanOrEqual(1);
        expect(pod.status.phase).toBe('Ready');
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    expect((await get('/fn/default/crashy/')).text).toBe('alive');
  });

  it('rejects bad input with a 4xx naming the problem, and appends nothing', async () => {
    const offset = async () => Number(JSON.parse((await get('/apis/tide.dev/v1/namespaces')).text).metadata.resourceVersion);
    const before = await offset();
    const put = (path: string, body: string, type = 'application/json') =>
      request(`${tide.url}${path}`, { method: 'PUT', body, headers: { ...tide.headers, 'content-type': type } });
    const cases: [Promise<Awaited<ReturnType<typeof request>>>, number, RegExp][] = [
      [put('/apis/tide.dev/v1/namespaces/default/functions/x', '{oops'), 400, /not valid JSON/],
      [put('/apis/tide.dev/v1/namespaces/default/functions/x', 'a: [', 'application/yaml'), 400, /not valid YAML/],
      [
        put(
          '/apis/tide.dev/v1/namespaces/default/functions/x',
          JSON.stringify({ apiVersion: 'tide.dev/v1', kind: 'Function', metadata: { name: 'x' }, spec: { source: {} } }),
        ),
        422,
        /spec\.source\.artifact/,
      ],
      [put('/apis/tide.dev/v1/namespaces/default/functions/..%2f..%2fetc', '{}'), 400, /invalid/],
      [put('/apis/tide.dev/v1/namespaces/default/functions/x', 'x'.repeat(10 * 1024 * 1024)), 413, /limit/],
    ];
    for (const [pending, status, message] of cases) {
      const res = await pending;
      expect(res.statusCode).toBe(status);
      expect(((await res.body.json()) as { message: string }).message).toMatch(message);
    }
    expect(await offset()).toBe(before);
  });

  it('gives a clear CLI error for a file that is not a manifest', async () => {
    const result = await runCli(['apply', '-f', '-'], { server: tide.url, input: 'kind: Gadget\nmetadata: { name: g }\n' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot apply kind "Gadget"/);
  });
});

describe('the CLI without a running Tide', () => {
  it('says the API is unreachable and how to point at it', async () => {
    const result = await runCli(['get', 'functions'], { server: `http://127.0.0.1:${await freePort()}` });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot reach the Tide API at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\).*tide up/);
  });
});

describe('stopping', () => {
  it('SIGTERM stops every pod and exits 0', async () => {
    const pods = processesMentioning(dir.path);
    expect(pods.length).toBeGreaterThan(0);
    tide.child.kill('SIGTERM');
    expect((await tide.exited).code).toBe(0);
    await eventually(() => expect(processesMentioning(dir.path)).toEqual([]), { timeoutMs: 5000 });
    expect(await readFile(join(dir.path, 'log', 'LOCK'), 'utf8').catch(() => 'released')).toBe('released');
  });
});
