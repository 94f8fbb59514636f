import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { makeTempDir, waitFor } from '@tide/testkit/testing';
import { freePort, repoRoot, runCli, startTide, stopTide, type StartedTide } from '../support/tide-process.js';
import { describeEachIngress } from '../support/ingress.js';

describeEachIngress(({ args }) => {
  /** Revisions and traffic: rolling update and rollback under load, a 50/50 split, tag URLs. */
  let dir: Awaited<ReturnType<typeof makeTempDir>>;
  let tide: StartedTide;
  const client = new Agent({ connections: 64 });

  beforeAll(async () => {
    dir = await makeTempDir('tide-traffic-');
    tide = await startTide({ dataDir: dir.path, port: await freePort(), args });
    const deployed = await runCli(['deploy', join(repoRoot, 'functions/hello'), '--min', '2', '--env', 'GREETING=v1'], { server: tide.url });
    expect(deployed.code, deployed.stderr).toBe(0);
  }, 60_000);

  afterAll(async () => {
    await client.close();
    await stopTide(tide);
    await dir?.remove();
  });

  const call = async (path = '/fn/default/hello') => {
    const res = await request(`${tide.url}${path}`, { dispatcher: client });
    return { status: res.statusCode, text: await res.body.text() };
  };

  /** About `rate` calls per second until stopped; counts answers by status and by body. */
  function steadyLoad(rate: number) {
    const statuses = new Map<number | string, number>();
    const bodies = new Map<string, number>();
    let stopped = false;
    const loops = Array.from({ length: 10 }, async () => {
      for (let i = 0; i < 100_000 && !stopped; i++) {
        const started = Date.now();
        try {
          const { status, text } = await call();
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          bodies.set(text, (bodies.get(text) ?? 0) + 1);
        } catch (error) {
          statuses.set((error as { code?: string }).code ?? 'error', (statuses.get('error') ?? 0) + 1);
        }
        await new Promise((r) => setTimeout(r, Math.max(0, 10_000 / rate - (Date.now() - started))));
      }
    });
    return {
      statuses,
      bodies,
      /** Answers with `body` so far (any status counts in `statuses`). */
      answered: (body?: string) => (body === undefined ? [...statuses.values()].reduce((a, b) => a + b, 0) : (bodies.get(body) ?? 0)),
      async stop() {
        stopped = true;
        await Promise.all(loops);
      },
    };
  }

  async function rollout() {
    const status = await runCli(['rollout', 'status', 'function/hello', '--wait', '60'], { server: tide.url, timeoutMs: 70_000 });
    expect(status.code, status.stdout + status.stderr).toBe(0);
    return status.stdout;
  }

  async function applyTraffic(traffic: unknown) {
    const fn = (await (await request(`${tide.url}/apis/tide.dev/v1/namespaces/default/functions/hello`, { headers: tide.headers })).body.json()) as {
      spec: Record<string, unknown>;
    };
    const manifest = { apiVersion: 'tide.dev/v1', kind: 'Function', metadata: { name: 'hello' }, spec: { ...fn.spec, traffic } };
    const res = await request(`${tide.url}/apis/tide.dev/v1/namespaces/default/functions/hello`, {
      method: 'PUT',
      body: JSON.stringify(manifest),
      headers: { ...tide.headers, 'content-type': 'application/json' },
    });
    expect(res.statusCode, await res.body.text()).toBe(200);
  }

  describe('revisions and traffic', () => {
    it('rolls out a new revision under 200 req/s with 0 failed requests', async () => {
      const load = steadyLoad(200);
      await waitFor(() => load.answered() >= 50, { what: 'the steady load to be flowing (50 answers)', timeoutMs: 30_000 });
      const deployed = await runCli(['deploy', join(repoRoot, 'functions/hello'), '--env', 'GREETING=v2'], { server: tide.url });
      expect(deployed.code, deployed.stderr).toBe(0);
      console.log(await rollout());
      // The load goes on over the new revision for a while: until it has answered 50 calls.
      await waitFor(() => load.answered('v2, world!\n') >= 50, { what: '50 answers from the new revision under load', timeoutMs: 30_000 });
      await load.stop();
      console.log(`rolling update: ${JSON.stringify(Object.fromEntries(load.statuses))} ${JSON.stringify(Object.fromEntries(load.bodies))}`);
      expect([...load.statuses.keys()]).toEqual([200]);
      expect(load.bodies.get('v2, world!\n')).toBeGreaterThan(0);
      expect((await call()).text).toBe('v2, world!\n');
    }, 90_000);

    it('splits 50/50 between two revisions within 45-55 % over 1 000 calls, and serves each tag at its own URL', async () => {
      await applyTraffic([
        { revision: 'hello-00001', percent: 50, tag: 'blue' },
        { latestRevision: true, percent: 50, tag: 'green' },
      ]);
      await rollout();
      const counts = new Map<string, number>();
      for (let i = 0; i < 1000; i++) {
        const { status, text } = await call();
        expect(status).toBe(200);
        counts.set(text, (counts.get(text) ?? 0) + 1);
      }
      console.log(`50/50 split over 1000 calls: ${JSON.stringify(Object.fromEntries(counts))}`);
      for (const body of ['v1, world!\n', 'v2, world!\n']) {
        expect(counts.get(body)).toBeGreaterThanOrEqual(450);
        expect(counts.get(body)).toBeLessThanOrEqual(550);
      }
      expect((await call('/fn/default/hello@blue')).text).toBe('v1, world!\n');
      expect((await call('/fn/default/hello@green')).text).toBe('v2, world!\n');
      expect((await call('/fn/default/hello@red')).status).toBe(404);
    }, 90_000);

    it('rolls back to the previous revision under load with 0 failed requests', async () => {
      await applyTraffic(undefined);
      await rollout();
      const load = steadyLoad(200);
      await waitFor(() => load.answered() >= 50, { what: 'the steady load to be flowing (50 answers)', timeoutMs: 30_000 });
      const undone = await runCli(['rollout', 'undo', 'function/hello'], { server: tide.url });
      expect(undone.stdout).toMatch(/rolled back to hello-00001/);
      await rollout();
      await waitFor(() => load.answered('v1, world!\n') >= 50, { what: '50 answers from the revision rolled back to, under load', timeoutMs: 30_000 });
      await load.stop();
      console.log(`rollback: ${JSON.stringify(Object.fromEntries(load.statuses))} ${JSON.stringify(Object.fromEntries(load.bodies))}`);
      expect([...load.statuses.keys()]).toEqual([200]);
      expect((await call()).text).toBe('v1, world!\n');
    }, 90_000);
  });
});
