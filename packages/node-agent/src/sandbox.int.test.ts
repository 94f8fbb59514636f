import { spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NodeAgent } from './node-agent.js';
import { makeTempDir, openTestAgent, podSpec, sandboxCheck, writeArtifact } from './testing/agent-harness.js';

const { unavailable } = sandboxCheck();

/**
 * A function that tries what a tenant must not: each probe answers 'ok' or the error's code.
 * `?pid=` is another pod's pid as the node sees it, `?dataDir=` the agent's data directory.
 */
const PROBES = `
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
const attempt = (fn) => { try { fn(); return 'ok'; } catch (error) { return error.code ?? String(error); } };
export default { fetch(request) {
  const url = new URL(request.url);
  if (!url.searchParams.has('pid')) return new Response('still here');
  const pid = Number(url.searchParams.get('pid'));
  const dataDir = url.searchParams.get('dataDir');
  const ownCode = new URL(import.meta.url).pathname;
  return Response.json({
    uid: process.getuid(),
    readOtherEnviron: attempt(() => readFileSync('/proc/' + pid + '/environ')),
    signalOther: attempt(() => process.kill(pid, 'SIGKILL')),
    readDataDir: attempt(() => readdirSync(dataDir)),
    readShadow: attempt(() => readFileSync('/etc/shadow')),
    writeOwnCode: attempt(() => writeFileSync(ownCode, 'export default {}')),
    writeUsr: attempt(() => writeFileSync('/usr/tide-probe', 'x')),
    writeRoot: attempt(() => writeFileSync('/tide-probe', 'x')),
    writeTmp: attempt(() => writeFileSync('/tmp/tide-probe', 'x')),
    processes: readdirSync('/proc').filter((name) => /^\\d+$/.test(name)).length,
  });
} };`;

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let agents: NodeAgent[] = [];
beforeEach(async () => {
  temp = await makeTempDir();
});
afterEach(async () => {
  await Promise.all(agents.map((agent) => agent.close()));
  agents = [];
  await temp.remove();
});

describe.skipIf(unavailable !== undefined)(`--sandbox bwrap${unavailable ? ` (skipped: ${unavailable})` : ''}`, { timeout: 120_000 }, () => {
  it('a pod from the pool and a spawned pod both serve, and neither can read, signal or write what is not its own', async () => {
    const dataDir = join(temp.path, 'data');
    const artifact = await writeArtifact(temp.path, 'probes', PROBES);
    // The drift audit runs often: a sandboxed pod (bwrap's pid in its pid file) must not look like a stray.
    const { agent, waitForReport, logs } = await openTestAgent({ dataDir, sandbox: 'bwrap', warmPool: { size: 1, memoryMb: 64 }, auditIntervalMs: 50 });
    agents.push(agent);
    agent.sync([podSpec('pooled-1', artifact, { memoryMb: 64 }), podSpec('spawned-1', artifact, { memoryMb: 96 })]);
    const pooled = await waitForReport((r) => r.pod === 'pooled-1' && r.phase === 'Ready', 'pooled-1 Ready');
    const spawned = await waitForReport((r) => r.pod === 'spawned-1' && r.phase === 'Ready', 'spawned-1 Ready');
    expect(pooled.coldStart).toBe('pool');
    expect(spawned.coldStart).toBe('spawn');

    for (const [self, other] of [
      [pooled, spawned],
      [spawned, pooled],
    ] as const) {
      const url = `${self.endpoint!}/?pid=${other.pid!}&dataDir=${encodeURIComponent(dataDir)}`;
      const probes = (await (await fetch(url)).json()) as Record<string, unknown>;
      expect(probes, self.pod).toMatchObject({
        readOtherEnviron: 'ENOENT', // its /proc is its own PID namespace's
        signalOther: 'ESRCH',
        readDataDir: 'ENOENT',
        readShadow: 'ENOENT',
        writeOwnCode: 'EROFS',
        writeUsr: 'EROFS',
        writeTmp: 'ok',
      });
      expect(probes.uid, self.pod).not.toBe(0);
      expect(['EROFS', 'EACCES', 'EPERM']).toContain(probes.writeRoot);
      // bwrap's init and the runtime: no other pod's process, no process of the node.
      expect(probes.processes as number, self.pod).toBeLessThanOrEqual(2);
    }
    // Both still serve after each other's attempts.
    expect(await (await fetch(pooled.endpoint!)).text()).toBe('still here');
    expect(await (await fetch(spawned.endpoint!)).text()).toBe('still here');
    expect(logs.filter((entry) => entry.line.startsWith('drift:'))).toEqual([]);
  });

  it('a pod ends gracefully on SIGTERM through the sandbox (exit code 0, not killed)', async () => {
    const artifact = await writeArtifact(temp.path, 'hello', `export default { fetch: () => new Response('hi') };`);
    const { agent, waitForReport } = await openTestAgent({ dataDir: join(temp.path, 'data'), sandbox: 'bwrap', warmPool: { size: 0 } });
    agents.push(agent);
    agent.sync([podSpec('term-1', artifact)]);
    await waitForReport((r) => r.phase === 'Ready', 'Ready');
    agent.sync([]);
    const stopped = await waitForReport((r) => r.phase === 'Stopped', 'Stopped');
    // bwrap reports a runtime killed by SIGKILL (after the grace) as exit code 137.
    expect(stopped).toMatchObject({ exitCode: 0, signal: null });
  });

  it('a 128 MB pod that allocates 1 GB is OOMKilled', async (context) => {
    const { agent, waitForReport, logs } = await openTestAgent({ dataDir: join(temp.path, 'data'), sandbox: 'bwrap', warmPool: { size: 0 } });
    agents.push(agent);
    const limits = logs.find((entry) => entry.line.includes('limits:'))?.line ?? '';
    if (!/memory: cgroup/.test(limits)) return context.skip(`this machine has no memory cgroup for pods (${limits})`);
    // Off the V8 heap (Buffers), touched page by page: only the cgroup's limit stops it.
    const artifact = await writeArtifact(
      temp.path,
      'hog',
      `export default { fetch() { const held = []; for (let i = 0; i < 64; i++) held.push(Buffer.alloc(16 * 1024 * 1024, 1)); return new Response(String(held.length)); } };`,
    );
    agent.sync([podSpec('hog-1', artifact, { memoryMb: 128 })]);
    const ready = await waitForReport((r) => r.phase === 'Ready', 'Ready');
    await fetch(ready.endpoint!).catch(() => undefined); // the connection dies with the pod
    const exited = await waitForReport((r) => r.phase === 'Exited', 'Exited');
    expect(exited.reason).toBe('OOMKilled');
  });
});

describe.skipIf(process.getuid?.() !== 0)('--sandbox bwrap where the agent is not root', { timeout: 120_000 }, () => {
  it('opening the agent fails, saying why, before any pod runs', () => {
    // The built agent (dist), run as nobody: a test process cannot drop its own uid.
    const built = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    chmodSync(temp.path, 0o777);
    const script = `import { openNodeAgent } from ${JSON.stringify(built)};
      openNodeAgent({ dataDir: ${JSON.stringify(join(temp.path, 'nobody'))}, sandbox: 'bwrap', warmPool: { size: 0 }, onReport() {} })
        .then(() => { console.log('opened'); process.exit(0); }, (error) => { console.log(error.name + ': ' + error.message); process.exit(3); });`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 20_000 });
    expect(run.stdout.trim()).toBe('StartupError: --sandbox bwrap needs the node agent to run as root (it gives each pod its own uid)');
    expect(run.status).toBe(3);
  });
});
