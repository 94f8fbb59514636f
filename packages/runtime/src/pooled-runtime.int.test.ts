import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AssignMessage, PoolConfig } from './pool-protocol.js';
import type { RuntimeMessage } from './runtime-config.js';

// Runs the built runtime, as the node agent does: build @tide/runtime first.
const mainJs = fileURLToPath(new URL('../dist/main.js', import.meta.url));

let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  if (!existsSync(mainJs)) throw new Error(`${mainJs} is missing: build @tide/runtime first`);
  dir = realpathSync(await mkdtemp(join(tmpdir(), 'tide-pooled-')));
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

/** A pool process as the agent starts one: minimal env of its own, IPC channel, pool token in argv. */
function startPooled(options: { ipc?: boolean; env?: Record<string, string> } = {}) {
  const config: PoolConfig = { mode: 'pool', host: '127.0.0.1', poolToken: 'pool-token-4d1e' };
  const child = spawn(process.execPath, [mainJs, JSON.stringify(config)], {
    cwd: dir,
    env: options.env ?? { PATH: '/usr/bin:/bin', HOME: dir, POOL_ONLY: 'left over from the pool start' },
    stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc === false ? [] : ['ipc' as const])],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const messages: RuntimeMessage[] = [];
  const waiters = new Set<() => void>();
  child.on('message', (message: RuntimeMessage) => {
    messages.push(message);
    for (const waiter of waiters) waiter();
  });
  /** The n-th message (1-based), or a rejection when the process exits first. */
  const message = (n: number) =>
    new Promise<RuntimeMessage>((resolve, reject) => {
      const check = () => {
        if (messages.length >= n) resolve(messages[n - 1]!);
        else if (child.exitCode !== null || child.signalCode !== null) reject(new Error(`runtime exited before message ${n}; stderr: ${stderr}`));
        else return;
        waiters.delete(check);
      };
      waiters.add(check);
      child.once('exit', () => setTimeout(check, 100));
      check();
    });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const assign = (message: Omit<AssignMessage, 'type'>) => child.send({ type: 'assign', ...message });
  return { child, message, assign, exited, output: () => ({ stdout, stderr }) };
}

describe('runtime main.js as a warm-pool process', () => {
  it('reports pooled, then becomes the assigned pod with exactly its env and working directory', async () => {
    const path = await artifact('env', `export default { fetch: () => Response.json({ env: process.env, cwd: process.cwd() }) };`);
    const podDir = join(dir, 'pod-a');
    await mkdir(podDir);
    const pooled = startPooled();
    expect(await pooled.message(1)).toEqual({ type: 'pooled' });
    pooled.assign({ artifactPath: path, timeoutMs: 5_000, env: { GREETING: 'hi', TIDE_POD: 'pod-a' }, cwd: podDir, pod: 'pod-a' });
    const ready = await pooled.message(2);
    expect(ready).toMatchObject({ type: 'ready', port: expect.any(Number) });
    const body = await (await fetch(`http://127.0.0.1:${(ready as { port: number }).port}/`)).json();
    expect(body).toEqual({ env: { GREETING: 'hi', TIDE_POD: 'pod-a' }, cwd: podDir });
    // What the agent recognises it by after a crash is still there.
    expect(readFileSync(`/proc/${pooled.child.pid}/cmdline`, 'utf8')).toContain('pool-token-4d1e');
  });

  it('reports an artifact that throws at import as failed and exits 1', async () => {
    const path = await artifact('broken', `throw new RangeError('bad config at load');`);
    const pooled = startPooled();
    await pooled.message(1);
    pooled.assign({ artifactPath: path, timeoutMs: 5_000, env: {} });
    expect(await pooled.message(2)).toEqual({ type: 'failed', reason: 'import failed: RangeError: bad config at load' });
    expect(await pooled.exited).toEqual({ code: 1, signal: null });
  });

  it('reports an assign message it cannot read as failed', async () => {
    const pooled = startPooled();
    await pooled.message(1);
    pooled.child.send({ type: 'assign', artifactPath: '/x.mjs', timeoutMs: 1, env: { PORT: 1 } });
    expect(await pooled.message(2)).toEqual({ type: 'failed', reason: 'RuntimeConfigError: invalid runtime config: assign.env.PORT: must be a string' });
    expect((await pooled.exited).code).toBe(1);
  });

  it('exits at once, while idle, when its agent disconnects', async () => {
    const pooled = startPooled();
    await pooled.message(1);
    pooled.child.disconnect();
    expect(await pooled.exited).toEqual({ code: 0, signal: null });
  });

  it('exits at once, while idle, on SIGTERM', async () => {
    const pooled = startPooled();
    await pooled.message(1);
    pooled.child.kill('SIGTERM');
    expect(await pooled.exited).toEqual({ code: 0, signal: null });
  });

  it('refuses to start without an IPC channel', async () => {
    const pooled = startPooled({ ipc: false });
    expect(await pooled.exited).toEqual({ code: 1, signal: null });
    expect(JSON.parse(pooled.output().stdout)).toEqual({ type: 'failed', reason: 'PoolModeError: pool mode needs an IPC channel to the agent' });
  });
});
