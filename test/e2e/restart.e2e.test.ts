import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { request } from 'undici';
import { build } from 'esbuild';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import { freePort, isRunning, processesMentioning, repoRoot, startTide, stopTide, stuckInSandboxSetup, type StartedTide } from '../support/tide-process.js';

/**
 * Kill points: `tide up` is stopped (kill -9, and separately SIGTERM) at a random moment in a burst
 * of applies; after restart every acknowledged apply must be there, whole, and the function must
 * serve its latest revision; no process of the killed incarnation may survive.
 */
const KILL_POINTS = 20;
const SIGTERM_POINTS = 3;

let dir: Awaited<ReturnType<typeof makeTempDir>>;
let port: number;
let tide: StartedTide | undefined;
let digest: string;
/** The admin token's header: made at the first start, the same after every restart. */
let asAdmin: Record<string, string>;

interface Burst {
  namespaces: string[];
  lastAckedSeq: number;
  attemptedSeq: number;
  stop: () => Promise<void>;
}

async function put(path: string, body: unknown): Promise<number> {
  const res = await request(`http://127.0.0.1:${port}${path}`, {
    method: 'PUT',
    body: JSON.stringify(body),
    headers: { ...asAdmin, 'content-type': 'application/json' },
    headersTimeout: 10_000,
  });
  await res.body.dump();
  return res.statusCode;
}

const helloManifest = (seq: number) => ({
  apiVersion: 'tide.dev/v1',
  kind: 'Function',
  metadata: { name: 'hello' },
  spec: { source: { artifact: digest }, env: { GREETING: `seq-${seq}` }, timeoutSeconds: 5 },
});

/** Applies namespaces from 3 concurrent writers and the function from a fourth, until stopped. */
function startBurst(round: number, seqStart: number): Burst {
  const burst: Burst = { namespaces: [], lastAckedSeq: -1, attemptedSeq: seqStart, stop: async () => {} };
  let stopped = false;
  const writer = async (w: number) => {
    for (let k = 0; k < 200 && !stopped; k++) {
      const name = `r${round}-w${w}-${k}`;
      try {
        if ((await put(`/apis/tide.dev/v1/namespaces/${name}`, { apiVersion: 'tide.dev/v1', kind: 'Namespace', metadata: { name } })) < 300)
          burst.namespaces.push(name);
      } catch {
        return; // the server died: this apply was not acknowledged
      }
    }
  };
  const fnWriter = async () => {
    for (let k = 0; k < 50 && !stopped; k++) {
      const seq = seqStart + k;
      burst.attemptedSeq = seq;
      try {
        if ((await put('/apis/tide.dev/v1/namespaces/default/functions/hello', helloManifest(seq))) < 300) burst.lastAckedSeq = seq;
      } catch {
        return;
      }
    }
  };
  const running = Promise.all([writer(0), writer(1), writer(2), fnWriter()]);
  burst.stop = async () => {
    stopped = true;
    await running;
  };
  return burst;
}

beforeAll(async () => {
  dir = await makeTempDir('tide-restart-');
  port = await freePort();
  const bundle = await build({ entryPoints: [join(repoRoot, 'functions/hello/src/index.ts')], bundle: true, format: 'esm', platform: 'node', write: false });
  tide = await startTide({ dataDir: dir.path, port });
  asAdmin = tide.headers;
  const upload = await request(`${tide.url}/apis/tide.dev/v1/artifacts`, { method: 'POST', body: bundle.outputFiles[0]!.contents, headers: asAdmin });
  digest = ((await upload.body.json()) as { digest: string }).digest;
  expect(await put('/apis/tide.dev/v1/namespaces/default/functions/hello', helloManifest(0))).toBe(201);
}, 60_000);

afterAll(async () => {
  await stopTide(tide);
  await dir?.remove();
});

describe('restarting tide up in the middle of a burst of applies', () => {
  it(`keeps every acknowledged apply over ${KILL_POINTS} kill -9 points and ${SIGTERM_POINTS} SIGTERM points`, async () => {
    let seq = 1;
    let acknowledged = 0;
    const report: string[] = [];
    for (let round = 0; round < KILL_POINTS + SIGTERM_POINTS; round++) {
      const signal = round < SIGTERM_POINTS ? 'SIGTERM' : 'SIGKILL';
      tide ??= await startTide({ dataDir: dir.path, port });
      const burst = startBurst(round, seq);
      await new Promise((r) => setTimeout(r, 30 + Math.random() * 400));
      tide.child.kill(signal);
      const exit = await tide.exited;
      tide = undefined;
      await burst.stop();
      if (signal === 'SIGTERM') expect(exit.code).toBe(0);

      // Nothing of the stopped incarnation runs on: no pod process, and the port is free again. But
      // a sandbox's pid 1 left waiting by a bwrap killed mid-setup, which the next start kills.
      let stuck: number[] = [];
      await eventually(
        () => {
          const left = processesMentioning(dir.path);
          stuck = left.filter(stuckInSandboxSetup);
          expect(left.filter((pid) => !stuck.includes(pid))).toEqual([]);
        },
        { timeoutMs: 10_000 },
      );
      const restarted = await startTide({ dataDir: dir.path, port });
      tide = restarted;
      if (stuck.length) report.push(`round ${round}: ${stuck.length} sandbox(es) stuck in setup, killed by the restart`);
      await eventually(() => expect(stuck.filter(isRunning)).toEqual([]), { timeoutMs: 10_000 });

      const namespaces = (await (await request(`${restarted.url}/apis/tide.dev/v1/namespaces`, { headers: asAdmin })).body.json()) as {
        items: { metadata: { name: string } }[];
      };
      const present = new Set(namespaces.items.map((n) => n.metadata.name));
      const missing = burst.namespaces.filter((n) => !present.has(n));
      expect(missing, `acknowledged namespaces lost at kill point ${round}`).toEqual([]);
      acknowledged += burst.namespaces.length + Math.max(0, burst.lastAckedSeq - seq + 1);

      const fn = (await (await request(`${restarted.url}/apis/tide.dev/v1/namespaces/default/functions/hello`, { headers: asAdmin })).body.json()) as {
        spec: { env: { GREETING: string } };
        status: { latestRevision: string };
      };
      const finalSeq = Number(fn.spec.env.GREETING.slice(4));
      expect(finalSeq).toBeGreaterThanOrEqual(burst.lastAckedSeq);
      expect(finalSeq).toBeLessThanOrEqual(burst.attemptedSeq);
      const revision = (await (
        await request(`${restarted.url}/apis/tide.dev/v1/namespaces/default/revisions/${fn.status.latestRevision}`, { headers: asAdmin })
      ).body.json()) as {
        spec: { env: unknown };
      };
      expect(revision.spec.env, 'the latest revision is whole').toEqual(fn.spec.env);

      // Pods come back and serve the latest revision.
      await eventually(
        async () => {
          const res = await request(`${restarted.url}/fn/default/hello`, { headersTimeout: 5000 });
          expect(res.statusCode).toBe(200);
          expect(await res.body.text()).toBe(`${fn.spec.env.GREETING}, world!\n`);
        },
        { timeoutMs: 15_000, intervalMs: 50 },
      ).catch(async (error: Error) => {
        const pods = await (await request(`${restarted.url}/apis/tide.dev/v1/namespaces/default/pods`, { headers: asAdmin })).body.text();
        throw new Error(`${error.message}\npods: ${pods}\noutput: ${restarted.output()}`);
      });
      report.push(`${signal}: ${burst.namespaces.length} namespaces + seq ≤ ${burst.lastAckedSeq} acknowledged`);
      seq = Math.max(finalSeq, burst.attemptedSeq) + 1;
    }
    console.log(`kill points: ${KILL_POINTS + SIGTERM_POINTS}, acknowledged applies: ${acknowledged}, all present\n  ${report.join('\n  ')}`);
  }, 420_000);
});
