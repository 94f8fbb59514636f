import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeConfig, RuntimeMessage } from './runtime-config.js';

// The process tests run the built runtime, as the node agent does: `npm run build` (or tsc -p tsconfig.build.json) first.
const mainJs = fileURLToPath(new URL('../dist/main.js', import.meta.url));

let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  if (!existsSync(mainJs)) throw new Error(`${mainJs} is missing: build @tide/runtime first`);
  dir = await mkdtemp(join(tmpdir(), 'tide-runtime-'));
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function artifact(name: string, source: string): Promise<string> {
  const path = join(dir, `${name}.mjs`);
  await writeFile(path, source);
  return path;
}

function start(artifactPath: string, options: { env?: Record<string, string>; timeoutMs?: number } = {}) {
  const config: RuntimeConfig = { artifactPath, timeoutMs: options.timeoutMs ?? 5_000, host: '127.0.0.1', pod: 'test-pod' };
  const child = spawn(process.execPath, [mainJs, JSON.stringify(config)], {
    env: options.env ?? {},
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const message = new Promise<RuntimeMessage>((resolve, reject) => {
    child.once('message', (m) => resolve(m as RuntimeMessage));
    child.once('exit', (code) => reject(new Error(`runtime exited (${code}) before a message; stderr: ${stderr}`)));
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, message, exited, output: () => ({ stdout, stderr }) };
}

async function until(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > giveUpAt) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('runtime main.js as a process', () => {
  it('reports ready over IPC and serves the function with exactly the given environment', async () => {
    const path = await artifact('env', `export default { fetch: () => Response.json(process.env) };`);
    const pod = start(path, { env: { GREETING: 'hi', TIDE_POD: 'p1' } });
    const message = await pod.message;
    expect(message).toMatchObject({ type: 'ready' });
    const port = (message as { port: number }).port;
    const env = await (await fetch(`http://127.0.0.1:${port}/`)).json();
    expect(env).toEqual({ GREETING: 'hi', TIDE_POD: 'p1' });
  });

  it('reports an import failure with its message and exits with code 1', async () => {
    const path = await artifact('broken', `throw new RangeError('bad config at load');\nexport default {};`);
    const pod = start(path);
    expect(await pod.message).toEqual({ type: 'failed', reason: 'import failed: RangeError: bad config at load' });
    expect(await pod.exited).toEqual({ code: 1, signal: null });
    expect(pod.output().stderr).toContain('bad config at load');
  });

  it('reports a module without a handler as failed, saying which handlers it lacks', async () => {
    const path = await artifact('empty', `export const x = 1;`);
    const pod = start(path);
    const message = await pod.message;
    expect(message.type).toBe('failed');
    expect((message as { reason: string }).reason).toBe('import failed: module has no fetch, scheduled or queue handler');
    expect((await pod.exited).code).toBe(1);
  });

  it('exits when its IPC channel to the agent disconnects', async () => {
    const path = await artifact('idle', `export default { fetch: () => new Response('ok') };`);
    const pod = start(path);
    await pod.message;
    pod.child.disconnect();
    expect(await pod.exited).toEqual({ code: 0, signal: null });
  });

  it('answers a call that busy-loops past its timeout 504 itself, then ends, saying why on stderr', async () => {
    const path = await artifact('spin', `export default { fetch: () => { for (;;) {} } };`);
    const pod = start(path, { timeoutMs: 500 }); // run by hand: no readiness probe, the first call is the loop
    const { port } = (await pod.message) as { port: number };
    const response = await fetch(`http://127.0.0.1:${port}/`);
    expect(response.status).toBe(504);
    expect(await response.text()).toBe('function timed out after 0.5s');
    expect(await pod.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(pod.output().stderr).toContain('tide-runtime: recycling the pod: call ran past its timeout of 0.5s\n');
  });

  it('on SIGTERM finishes the in-flight request, refuses new ones and exits 0', async () => {
    const path = await artifact(
      'slow',
      `export default { fetch: async () => { console.log('request started'); await new Promise((r) => setTimeout(r, 300)); return new Response('done slowly'); } };`,
    );
    const pod = start(path);
    const { port } = (await pod.message) as { port: number };
    const inFlight = fetch(`http://127.0.0.1:${port}/`).then(async (r) => ({ status: r.status, text: await r.text() }));
    await until(() => pod.output().stdout.includes('request started'), 'the request to reach the function');
    pod.child.kill('SIGTERM');
    expect(await inFlight).toEqual({ status: 200, text: 'done slowly' });
    expect(await pod.exited).toEqual({ code: 0, signal: null });
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });

  it("names the function's source file and line in the stacks it logs and throws, from the artifact's inline source map", async () => {
    const source = [
      '// src/index.ts of a function, bundled as `tide deploy` bundles it',
      'interface Order { id: number }',
      'function total(order: Order): number {',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the function's own template literal
      '  throw new Error(`order ${order.id} has no lines`);',
      '}',
      'export default {',
      '  fetch(): Response {',
      "    console.error(new Error('logged by the function').stack);",
      '    return new Response(String(total({ id: 7 })));',
      '  },',
      '};',
    ].join('\n');
    const path = await bundledArtifact('mapped', source);
    const pod = start(path);
    const port = ((await pod.message) as { port: number }).port;
    const response = await fetch(`http://127.0.0.1:${port}/`);
    expect([response.status, await response.text()]).toEqual([500, 'function threw Error: order 7 has no lines']);
    await until(() => pod.output().stderr.includes('order 7 has no lines'), 'the stack on stderr');
    const { stderr } = pod.output();
    expect(stderr).toMatch(/Error: logged by the function\n\s+at Object\.fetch \(src\/index\.ts:8:\d+\)/);
    expect(stderr).toMatch(/Error: order 7 has no lines\n\s+at total \(src\/index\.ts:4:\d+\)/);
  });
});

/** Bundles TypeScript source as `tide deploy` does (packages/cli/src/bundle.ts): one ES module with an inline source map. */
async function bundledArtifact(name: string, source: string): Promise<string> {
  const srcDir = join(dir, name, 'src');
  await mkdir(srcDir, { recursive: true });
  await writeFile(join(srcDir, 'index.ts'), source);
  const result = await build({
    entryPoints: [join(srcDir, 'index.ts')],
    outfile: join(dir, name, 'tide-bundle.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    sourcemap: 'inline',
    sourcesContent: false,
    logLevel: 'silent',
  });
  return artifact(`${name}-bundle`, result.outputFiles[0]!.text);
}
