import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seccompArchOf } from './core/seccomp-filter.js';
import { SYSCALL_NUMBERS } from './core/syscall-numbers.js';
import type { PodReport } from './pod-types.js';
import { makeTempDir, openTestAgent, podSpec, sandboxCheck, type TestAgent, writeArtifact } from './testing/agent-harness.js';

const check = sandboxCheck();
const arch = seccompArchOf(process.arch);
/** Why these tests cannot run here: no sandbox, or pods run unfiltered on this machine. */
const skipped = check.unavailable ?? (check.syscalls.startsWith('seccomp filter') ? undefined : check.syscalls);
/** perl-base is essential on Debian: its syscall() makes the raw calls Node cannot. */
const PERL = '/usr/bin/perl';

const nr = Object.fromEntries(Object.entries(SYSCALL_NUMBERS).map(([name, byArch]) => [name, arch ? byArch[arch] : undefined]));
/**
 * `/refused` makes calls the filter refuses, each answering 'ok' or the errno's name; `/ordinary`
 * does what functions do (`?port=` is a server of the test's to fetch from), answering each result.
 */
const PROBES = `
import { spawn, spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { Worker } from 'node:worker_threads';
const NR = ${JSON.stringify(nr)};
const errnoName = (n) => Object.entries(constants.errno).find(([, value]) => value === n)?.[0] ?? String(n);
/** A raw call through perl: 'ok' or the errno's name ($$ is perl's own pid). */
const raw = (name, ...args) => {
  const code = 'my $r = syscall(' + [NR[name], ...args].join(', ') + '); print $r == -1 ? 0 + $! : "ok"';
  const run = spawnSync('${PERL}', ['-e', code], { encoding: 'utf8' });
  return run.stdout.startsWith('ok') ? 'ok' : /^\\d+$/.test(run.stdout) ? errnoName(Number(run.stdout)) : 'perl: ' + (run.error?.message ?? run.stderr);
};
const output = (file, args) => new Promise((resolve, reject) => {
  const child = spawn(file, args);
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.on('error', reject);
  child.on('close', (code) => resolve(code + ':' + out.trim()));
});
const refused = () => {
  const unshare = spawnSync('/usr/bin/unshare', ['-U', 'true'], { encoding: 'utf8' });
  return {
    seccomp: /^Seccomp:\\s*(\\d)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1],
    unshareCommand: unshare.status + ': ' + unshare.stderr.trim(),
    unshareUser: raw('unshare', 0x10000000),
    cloneNewUser: raw('clone', 0x10000000 | 17, 0, 0, 0, 0),
    clone3: raw('clone3', 0, 0),
    ptraceTraceme: raw('ptrace', 0, 0, 0, 0),
    processVmReadv: raw('process_vm_readv', '$$', 0, 0, 0, 0, 0),
    ioUringSetup: raw('io_uring_setup', 8, 0),
    keyctl: raw('keyctl', 0, -3, 1),
    personality: raw('personality', 0x0040000),
    mount: raw('mount', 0, 0, 0, 0, 0),
  };
};
const ordinary = async (port) => {
  writeFileSync('/tmp/probe', 'written');
  const tmp = readFileSync('/tmp/probe', 'utf8');
  unlinkSync('/tmp/probe');
  const worker = await new Promise((resolve, reject) => {
    const w = new Worker('require("node:worker_threads").parentPort.postMessage(6 * 7)', { eval: true });
    w.once('message', resolve);
    w.once('error', reject);
  });
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const signature = sign(null, Buffer.from('tide'), privateKey);
  const digest = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode('tide'))).toString('hex');
  return {
    fetch: await (await fetch('http://127.0.0.1:' + port + '/')).text(),
    tmp,
    sh: await output('/bin/sh', ['-c', 'echo $((6 * 7)) | cat']),
    node: await output(process.execPath, ['-e', 'console.log(6 * 7)']),
    worker,
    crypto: createHash('sha256').update('tide').digest('hex') === digest && verify(null, Buffer.from('tide'), publicKey, signature) && randomBytes(16).length === 16,
  };
};
export default { async fetch(request) {
  const url = new URL(request.url);
  if (url.pathname === '/refused') return Response.json(refused());
  return Response.json(await ordinary(url.searchParams.get('port')));
} };`;

/** An agent with a pod from its warm pool and a spawned one, both running PROBES. */
async function openProbedAgent(dir: string, seccomp: boolean, port: number): Promise<{ test: TestAgent; pods: PodReport[] }> {
  await mkdir(dir);
  const artifact = await writeArtifact(dir, 'probes', PROBES);
  const test = await openTestAgent({ dataDir: join(dir, 'data'), sandbox: 'bwrap', seccomp, warmPool: { size: 1, memoryMb: 64 }, podReachablePorts: [port] });
  test.agent.sync([podSpec('pooled-1', artifact, { memoryMb: 64 }), podSpec('spawned-1', artifact, { memoryMb: 96 })]);
  const pods = await Promise.all(
    ['pooled-1', 'spawned-1'].map((pod) => test.waitForReport((r) => r.pod === pod && r.phase === 'Ready', `${pod} Ready`, 30_000)),
  );
  expect(pods.map((pod) => pod.coldStart)).toEqual(['pool', 'spawn']);
  return { test, pods };
}

const get = async (pod: PodReport, path: string) => (await (await fetch(`${pod.endpoint!}${path}`)).json()) as Record<string, unknown>;

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let server: Server;
let port: number;
beforeAll(async () => {
  temp = await makeTempDir();
  server = createServer((_request, response) => response.end('fetched'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await temp.remove();
});

describe.skipIf(skipped !== undefined)(`sandboxed pods' seccomp filter${skipped ? ` (skipped: ${skipped})` : ''}`, { timeout: 120_000 }, () => {
  let probed: Awaited<ReturnType<typeof openProbedAgent>>;
  beforeAll(async () => {
    probed = await openProbedAgent(join(temp.path, 'filtered'), true, port);
  }, 120_000);
  afterAll(() => probed?.test.agent.close());

  it('is on, says the start line, with how many calls it refuses', () => {
    const start = probed.test.logs.find((entry) => entry.line.startsWith('pods run sandboxed'))?.line;
    expect(start).toMatch(/; seccomp filter refuses \d+ system calls, and clone and personality for some arguments/);
  });

  it.skipIf(!existsSync(PERL))(
    `refuses a pod from the pool and a spawned one user namespaces, ptrace, io_uring and the rest${existsSync(PERL) ? '' : ' (skipped: no perl)'}`,
    async () => {
      for (const pod of probed.pods) {
        const probes = await get(pod, '/refused');
        expect(probes, pod.pod).toEqual({
          seccomp: '2',
          unshareCommand: '1: unshare: unshare failed: Operation not permitted',
          unshareUser: 'EPERM',
          cloneNewUser: 'EPERM',
          clone3: 'ENOSYS',
          ptraceTraceme: 'EPERM',
          processVmReadv: 'EPERM',
          ioUringSetup: 'ENOSYS',
          keyctl: 'EPERM',
          personality: 'EPERM',
          mount: 'EPERM',
        });
      }
    },
  );

  it('leaves ordinary work alone: fetch, files in /tmp, a shell pipeline, a child node, a worker thread, crypto', async () => {
    for (const pod of probed.pods) {
      expect(await get(pod, `/ordinary?port=${port}`), pod.pod).toEqual({
        fetch: 'fetched',
        tmp: 'written',
        sh: '0:42',
        node: '0:42',
        worker: 42,
        crypto: true,
      });
    }
  });
});

describe.skipIf(skipped !== undefined || !existsSync(PERL))(
  `sandboxed pods without the filter${skipped ? ` (skipped: ${skipped})` : ''}`,
  { timeout: 120_000 },
  () => {
    it('the same calls get through (the refusals above are the filter’s), and the start line says pods are unfiltered', async () => {
      const { test, pods } = await openProbedAgent(join(temp.path, 'unfiltered'), false, port);
      try {
        expect(test.logs.find((entry) => entry.line.startsWith('pods run sandboxed'))?.line).toContain('; system calls are NOT filtered');
        for (const pod of pods) {
          expect(await get(pod, '/refused'), pod.pod).toMatchObject({
            seccomp: '0',
            ptraceTraceme: 'ok',
            processVmReadv: 'ok',
            keyctl: 'ok',
            personality: 'ok',
          });
        }
      } finally {
        await test.agent.close();
      }
    });
  },
);
