import { join } from 'node:path';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrometheus, toolOrSkip, type RunningPrometheus } from '../support/prometheus.js';
import { freePort, runCli, startTide, stopTide, type StartedTide } from '../support/tide-process.js';

/**
 * A real Prometheus scrapes a running `tide up` (its /metrics behind the admin token, given as
 * Prometheus's credentials_file) every second, and answers PromQL over its HTTP API with the
 * invocations, cold starts and ready pods the test caused, after scale-out, scale-to-zero and
 * deletion. Each step waits for its query to hold (bounded), never for a fixed time.
 */
const prometheusBinary = toolOrSkip('prometheus');
const FN = 'promq';
const APP = "export default { fetch: () => new Response('counted') };";

let dir: Awaited<ReturnType<typeof makeTempDir>>;
let tide: StartedTide;
let prometheus: RunningPrometheus;

beforeAll(async () => {
  if (!prometheusBinary) return;
  dir = await makeTempDir('tide-prometheus-');
  const dataDir = join(dir.path, 'tide');
  tide = await startTide({ dataDir, port: await freePort() });
  prometheus = await startPrometheus({ binary: prometheusBinary, dir: dir.path, target: tide.url, credentialsFile: join(dataDir, 'admin.token') });
}, 90_000);

afterAll(async () => {
  await prometheus?.stop();
  await stopTide(tide);
  await dir?.remove();
});

/** Waits until Prometheus answers `promql` with `expected` (its samples as `{labels} value`), 30 s at most unless told. */
async function holds(promql: string, expected: string[], timeoutMs = 30_000): Promise<void> {
  await eventually(async () => expect(await prometheus.query(promql), promql).toEqual(expected), { timeoutMs, intervalMs: 250 });
}

async function tideCli(...args: string[]): Promise<void> {
  const run = await runCli(args, { server: tide.url });
  expect(run.code, `tide ${args.join(' ')}\n${run.stdout}\n${run.stderr}`).toBe(0);
}

describe.skipIf(!prometheusBinary)('a real Prometheus scraping tide up', () => {
  it('answers PromQL for invocations, cold starts and ready pods after scale-out, scale-to-zero and deletion', async () => {
    // Prometheus reaches the token-guarded /metrics: its own `up` series says the scrape works.
    await holds('up{job="tide"}', [`{"__name__":"up","instance":"${new URL(tide.url).host}","job":"tide"} 1`]);

    const upload = await fetch(`${tide.url}/apis/tide.dev/v1/artifacts`, { method: 'POST', body: APP, headers: tide.headers });
    expect(upload.status).toBe(201);
    const { digest } = (await upload.json()) as { digest: string };
    const manifest = {
      apiVersion: 'tide.dev/v1',
      kind: 'Function',
      metadata: { name: FN },
      spec: {
        source: { artifact: digest },
        // Idle, it goes to zero as soon as the autoscaler allows: a 6 s window (its least), 1 s at zero.
        scale: { min: 0, max: 5, stableWindowSeconds: 6, scaleToZeroAfterSeconds: 1 },
      },
    };
    const applied = await fetch(`${tide.url}/apis/tide.dev/v1/namespaces/default/functions/${FN}`, {
      method: 'PUT',
      headers: { ...tide.headers, 'content-type': 'application/json' },
      body: JSON.stringify(manifest),
    });
    expect(applied.status, await applied.text()).toBeLessThan(300);

    // Five calls, the first from zero (held until its pod is ready): five 200s of revision 00001, one cold start.
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${tide.url}/fn/default/${FN}`);
      expect([res.status, await res.text()]).toEqual([200, 'counted']);
    }
    await holds(`sum by (revision, status) (tide_invocations_total{function="${FN}"})`, [`{"revision":"${FN}-00001","status":"200"} 5`]);
    await holds(`sum(tide_cold_starts_total{function="${FN}"})`, ['{} 1']);
    await holds(`sum(tide_cold_start_duration_seconds_count{function="${FN}"})`, ['{} 1']);
    await holds(`sum(tide_ready_replicas{function="${FN}"})`, ['{} 1']);

    // Scale-out to 3: two more pods start (two more cold starts), three ready, as the desired count says.
    await tideCli('scale', FN, '--replicas', '3');
    await holds(`sum(tide_ready_replicas{function="${FN}"})`, ['{} 3']);
    await holds(`sum(tide_pods{function="${FN}",phase="Ready"})`, ['{} 3']);
    await holds(`sum(tide_desired_replicas{function="${FN}"})`, ['{} 3']);
    await holds(`sum(tide_cold_starts_total{function="${FN}"})`, ['{} 3']);

    // Scale-to-zero, idle with min 0: no pod left, so no tide_pods series; ready and desired 0; the counters keep their totals.
    await tideCli('scale', FN, '--min', '0', '--max', '5');
    await holds(`sum(tide_ready_replicas{function="${FN}"})`, ['{} 0'], 90_000);
    await holds(`sum(tide_desired_replicas{function="${FN}"})`, ['{} 0']);
    await holds(`tide_pods{function="${FN}"}`, []);
    await holds(`sum(tide_cold_starts_total{function="${FN}"})`, ['{} 3']);
    await holds(`sum(tide_invocations_total{function="${FN}"})`, ['{} 5']);

    // Deletion: the function's gauges are gone (not stuck at their last value), its totals stay.
    await tideCli('delete', 'function', FN);
    await holds(`tide_ready_replicas{function="${FN}"}`, []);
    await holds(`tide_desired_replicas{function="${FN}"}`, []);
    await holds(`tide_gateway_queue_depth{function="${FN}"}`, []);
    await holds(`sum(tide_invocations_total{function="${FN}"})`, ['{} 5']);
  }, 180_000);
});
