import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import { freePort, runCli, startTide, stopTide, type TideProcess } from '../support/tide-process.js';

/**
 * A call past its function's timeout ends the pod that ran it (Lambda's model), and a pod that goes
 * takes every process it started with it: nothing is left burning a CPU or sleeping in a corner.
 */
let dir: Awaited<ReturnType<typeof makeTempDir>>;
let tide: TideProcess;
const mark = randomUUID();

/**
 * `/spin` busy-loops for good; `/sleep` starts a `sleep 300` in a session of its own; anything else
 * says which process answered (an id of its own: a sandboxed pod sees itself as pid 2, like every other).
 */
const SPINNER = `import { spawn } from 'node:child_process';
const processId = crypto.randomUUID();
export default {
  fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === '/spin') for (;;) {}
    if (path === '/sleep') {
      const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
      child.unref();
      return new Response(String(child.pid));
    }
    return new Response(processId);
  },
};
`;

beforeAll(async () => {
  dir = await makeTempDir('tide-timeout-');
  await mkdir(join(dir.path, 'spinner'), { recursive: true });
  await writeFile(join(dir.path, 'spinner', 'index.mjs'), SPINNER);
  tide = await startTide({ dataDir: join(dir.path, 'data'), port: await freePort() });
  const deployed = await runCli(['deploy', join(dir.path, 'spinner'), '--timeout', '1', '--min', '1', '--max', '1', '--env', `CHILD_MARK=${mark}`], {
    server: tide.url,
  });
  expect(deployed.code, deployed.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  await stopTide(tide);
  for (const pid of processesMarked()) process.kill(pid, 'SIGKILL');
  await dir?.remove();
});

const call = async (path: string) => {
  const res = await request(`${tide.url}/fn/default/spinner${path}`, { headersTimeout: 20_000 });
  return { status: res.statusCode, text: await res.body.text() };
};

function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Live processes carrying this test's CHILD_MARK in their environment, as the host sees them: the
 * function's (its sandbox's too) and its children.
 */
function processesMarked(): number[] {
  return readdirSync('/proc').flatMap((name) => {
    if (!/^\d+$/.test(name)) return [];
    try {
      return readFileSync(`/proc/${name}/environ`, 'utf8').split('\0').includes(`CHILD_MARK=${mark}`) && running(Number(name)) ? [Number(name)] : [];
    } catch {
      return [];
    }
  });
}

/** The processes the node's pid files name: one per pod (the bwrap it started, when sandboxed). */
function podProcesses(): number[] {
  const podsDir = join(dir.path, 'data', 'node', 'agent', 'pods');
  return readdirSync(podsDir).flatMap((pod) => {
    try {
      return [(JSON.parse(readFileSync(join(podsDir, pod, 'pid'), 'utf8')) as { pid: number }).pid];
    } catch {
      return [];
    }
  });
}

const commandOf = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';

describe('a call past its timeout', () => {
  it('is answered 504, its pod is replaced, and the next call is served by the new pod', async () => {
    const first = await call('/');
    expect(first.status).toBe(200);
    const spinning = podProcesses();
    expect(spinning.length).toBe(1);

    const spun = await call('/spin');
    expect(spun.status).toBe(504);
    expect(spun.text).toBe('function timed out after 1s');

    const next = await call('/'); // max 1 pod: this is the replacement, or nothing
    expect(next.status, next.text).toBe(200);
    expect(next.text).not.toBe(first.text);
    expect(spinning.filter(running)).toEqual([]);
    await eventually(
      async () => {
        const pods = await runCli(['get', 'pods', '-o', 'wide'], { server: tide.url });
        expect(pods.stdout).toMatch(/^spinner-00001-\S+\s+spinner-00001\s+Ready\s+1\s/m); // RESTARTS 1
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
  });

  it('leaves none of its processes behind once the function is deleted, a detached sleep included', async () => {
    const sleeper = await call('/sleep');
    expect(sleeper.status).toBe(200);
    expect(processesMarked().map(commandOf)).toContain('sleep');
    const deleted = await runCli(['delete', 'function', 'spinner'], { server: tide.url });
    expect(deleted.code, deleted.stderr).toBe(0);
    await eventually(() => expect(processesMarked()).toEqual([]), { timeoutMs: 15_000, intervalMs: 100 });
  });
});
