import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import { freePort, repoRoot, runCli, startTide, stopTide, type StartedTide } from '../support/tide-process.js';
import { describeEachIngress } from '../support/ingress.js';

describeEachIngress(({ args }) => {
  /** Scale from zero without dropping a request, scale down while serving, and back to zero. */
  let dir: Awaited<ReturnType<typeof makeTempDir>>;
  let tide: StartedTide;
  const client = new Agent({ connections: 128, keepAliveTimeout: 10_000 });

  beforeAll(async () => {
    dir = await makeTempDir('tide-autoscale-');
    tide = await startTide({ dataDir: dir.path, port: await freePort(), args });
    const deployed = await runCli(
      ['deploy', join(repoRoot, 'functions/sleep'), '--min', '0', '--max', '20', '--target', '5', '--scale-to-zero-after', '5', '--stable-window', '6'],
      { server: tide.url },
    );
    expect(deployed.code, deployed.stderr).toBe(0);
  }, 60_000);

  afterAll(async () => {
    await client.close();
    await stopTide(tide);
    await dir?.remove();
  });

  interface Pods {
    items: { metadata: { name: string }; spec: { function: string }; status: { phase: string } }[];
  }
  const readyPods = async () =>
    ((await (await request(`${tide.url}/apis/tide.dev/v1/namespaces/default/pods`, { headers: tide.headers })).body.json()) as Pods).items.filter(
      (p) => p.spec.function === 'sleep' && p.status.phase === 'Ready',
    ).length;
  const sleepPods = async () =>
    ((await (await request(`${tide.url}/apis/tide.dev/v1/namespaces/default/pods`, { headers: tide.headers })).body.json()) as Pods).items.filter(
      (p) => p.spec.function === 'sleep',
    );
  const allPods = async () => (await sleepPods()).length;
  /** The pods left and the function's status, for a failed wait for zero to say what it saw (read once, when it failed). */
  const leftOver = async () =>
    JSON.stringify({
      pods: await sleepPods(),
      function: (
        (await (await request(`${tide.url}/apis/tide.dev/v1/namespaces/default/functions/sleep`, { headers: tide.headers })).body.json()) as { status: unknown }
      ).status,
    });
  const desired = async () =>
    (
      (await (await request(`${tide.url}/apis/tide.dev/v1/namespaces/default/functions/sleep`, { headers: tide.headers })).body.json()) as {
        status: { desiredReplicas: number };
      }
    ).status.desiredReplicas;

  /**
   * Load lasts until a condition holds, never for a fixed time: on a busy machine a cold start alone
   * can take most of a fixed window. The stable window the decider averages over is 6 s.
   */
  const STABLE_WINDOW_MS = 6_000;
  /** A bound on any one load phase, far above what it takes: a phase that reaches it has failed. */
  const PHASE_BOUND_MS = 60_000;

  /** `callers` loops calling sleep?ms=50 until `until()`; every answer is counted by status. */
  async function load(callers: number, until: () => boolean) {
    const statuses = new Map<number | string, number>();
    let completed = 0;
    await Promise.all(
      Array.from({ length: callers }, async () => {
        for (let i = 0; i < 10_000 && !until(); i++) {
          let status: number | string;
          try {
            const res = await request(`${tide.url}/fn/default/sleep?ms=50`, { dispatcher: client, headersTimeout: 35_000 });
            status = res.statusCode;
            await res.body.dump();
          } catch (error) {
            status = (error as { code?: string }).code ?? 'error';
          }
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          completed++;
        }
      }),
    );
    return { statuses, completed };
  }

  describe('autoscaling sleep (target 5, 0..20 replicas)', () => {
    it('scales to zero after its idle time', async () => {
      await eventually(async () => expect(await allPods()).toBe(0), { timeoutMs: 30_000, intervalMs: 250 });
      expect(await desired()).toBe(0);
    });

    it(
      'takes a burst of 50 callers from zero with 0 errors, reaching 8+ replicas',
      async () => {
        const started = Date.now();
        let peak = 0;
        let reachedEight: number | undefined;
        let done = false;
        // The burst lasts until 8 pods are Ready, then one stable window more at full load, so that the
        // recorded load (replayed below) holds the burst whatever the cold start cost (bounded).
        const over = () => Date.now() - started > PHASE_BOUND_MS || (reachedEight !== undefined && Date.now() - started - reachedEight > STABLE_WINDOW_MS);
        const watching = (async () => {
          while (!done && !over()) {
            const ready = await readyPods();
            peak = Math.max(peak, ready);
            if (ready >= 8 && reachedEight === undefined) reachedEight = Date.now() - started;
            await new Promise((r) => setTimeout(r, 50));
          }
        })();
        const burst = await load(50, over);
        done = true;
        await watching;
        console.log(
          `burst from zero: ${burst.completed} requests ${JSON.stringify(Object.fromEntries(burst.statuses))}; peak ${peak} ready pods; 8 ready after ${reachedEight} ms`,
        );
        expect(Object.fromEntries(burst.statuses)).toEqual({ 200: burst.completed });
        expect(peak).toBeGreaterThanOrEqual(8);
      },
      PHASE_BOUND_MS + 30_000,
    );

    it(
      'scales down while serving with 0 errors, then to zero, and the next request brings it back',
      async () => {
        const before = await readyPods();
        const started = Date.now();
        // Light load until the autoscaler has taken pods away (bounded), not for a fixed time.
        let after = before;
        let done = false;
        const watching = (async () => {
          while (!done && after >= before && Date.now() - started < PHASE_BOUND_MS) {
            after = await readyPods();
            await new Promise((r) => setTimeout(r, 100));
          }
        })();
        const light = await load(2, () => after < before || Date.now() - started > PHASE_BOUND_MS);
        done = true;
        await watching;
        console.log(
          `scale-down under light load: ${before} → ${after} ready pods; ${light.completed} requests ${JSON.stringify(Object.fromEntries(light.statuses))}`,
        );
        expect(Object.fromEntries(light.statuses)).toEqual({ 200: light.completed });
        expect(after).toBeLessThan(before);
        const idleFrom = Date.now();
        await eventually(async () => expect(await allPods()).toBe(0), { timeoutMs: 30_000, intervalMs: 100 }).catch(async (error: unknown) => {
          console.log(`left after 30 s: ${await leftOver()}\ntide's output, last 8 000 characters:\n${tide.output().slice(-8_000)}`);
          throw error;
        });
        console.log(`idle → zero pods after ${Date.now() - idleFrom} ms (scaleToZeroAfterSeconds 5)`);
        const res = await request(`${tide.url}/fn/default/sleep?ms=1`, { dispatcher: client });
        expect(res.statusCode).toBe(200);
        expect(await res.body.text()).toBe('slept 1 ms\n');
      },
      PHASE_BOUND_MS + 60_000,
    );

    it('replays the recorded load with other settings: a higher target asks for fewer pods', async () => {
      const replayed = await runCli(['autoscale', 'replay', 'sleep', '--from', '0', '--set', 'target=20'], { server: tide.url });
      expect(replayed.code, replayed.stderr).toBe(0);
      console.log(replayed.stdout);
      expect(replayed.stdout).toMatch(/what-if: target 5 → 20/);
      const peak = (label: string) => Number(new RegExp(`^${label}\\s+(\\d+)`, 'm').exec(replayed.stdout)?.[1]);
      expect(peak('now')).toBeGreaterThanOrEqual(8);
      expect(peak('what-if')).toBeLessThan(peak('now'));
      // A bound, not an expectation: on a loaded 2-core machine the CLI process alone took 25 s here.
    }, 90_000);
  });

  describe('autoscaling cpu on its CPU use (HPA-style, 70% of its 100m request)', () => {
    it(
      'adds pods when its pods burn more CPU than they asked for',
      async () => {
        const deployed = await runCli(['deploy', join(repoRoot, 'functions/cpu'), '--metric', 'cpu', '--min', '1', '--max', '4', '--stable-window', '6'], {
          server: tide.url,
        });
        expect(deployed.code, deployed.stderr).toBe(0);
        const started = Date.now();
        const statuses = new Map<number, number>();
        type CpuFunction = { status: { desiredReplicas: number; recentScales: { reason: string }[] } };
        const readCpu = async () =>
          (await (await request(`${tide.url}/apis/tide.dev/v1/namespaces/default/functions/cpu`, { headers: tide.headers })).body.json()) as CpuFunction;
        // CPU-bound calls until the autoscaler asks for more than one pod (bounded): a busy machine
        // gives the pod less CPU and its reports arrive later, so a fixed load window may end too soon.
        let scaled = false;
        const watching = (async () => {
          while (!scaled && Date.now() - started < PHASE_BOUND_MS) {
            scaled = (await readCpu()).status.desiredReplicas > 1;
            await new Promise((r) => setTimeout(r, 250));
          }
        })();
        await Promise.all(
          Array.from({ length: 3 }, async () => {
            for (let i = 0; i < 20_000 && !scaled && Date.now() - started < PHASE_BOUND_MS; i++) {
              const res = await request(`${tide.url}/fn/default/cpu?ms=20`, { dispatcher: client });
              statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
              await res.body.dump();
            }
          }),
        );
        await watching;
        expect([...statuses.keys()]).toEqual([200]);
        const fn = await readCpu();
        console.log(`cpu: ${fn.status.recentScales.map((r) => r.reason).join(' | ')}`);
        expect(fn.status.desiredReplicas).toBeGreaterThan(1);
        expect(fn.status.recentScales.at(-1)!.reason).toMatch(/cpu/i);
      },
      PHASE_BOUND_MS + 30_000,
    );
  });
});
