import { createServer } from 'node:http';
import { join } from 'node:path';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapTokenIn, componentToken } from '../support/component-tokens.js';
import { familiesOf, promtoolCheck, scrape, toolOrSkip } from '../support/prometheus.js';
import { servedMetrics } from '../support/served-metrics.js';
import { adminTokenIn, freePort, startTide, startTideCommand, stopTide, type StartedTide, type TideProcess } from '../support/tide-process.js';

/**
 * Every Tide process's /metrics, as Prometheus's own checker reads it: `promtool check metrics`
 * (Debian's prometheus package) is clean for `tide up` and for a separate control plane, gateway,
 * node and triggers process, each after it has served calls so its histograms and counters have
 * series. What they serve together also proves the infra test's reading of the sources
 * (servedMetrics): every family a process serves is one it finds, of the kind it says.
 */
const promtool = toolOrSkip('promtool');
const APP = "export default { fetch: () => new Response('exposed') };";

let dir: Awaited<ReturnType<typeof makeTempDir>>;
let tide: StartedTide;
const others: TideProcess[] = [];
/** Each process's scrape: where it came from and what it served. */
const scrapes = new Map<string, { url: string; token?: string }>();

beforeAll(async () => {
  if (!promtool) return;
  dir = await makeTempDir('tide-exposition-');
  const upData = join(dir.path, 'up');
  tide = await startTide({ dataDir: upData, port: await freePort() });
  scrapes.set('tide-up', { url: tide.url, token: tide.adminToken });

  // Separate components beside it, each on a port of its own, as `tide control-plane|gateway|node|triggers` run.
  const cpData = join(dir.path, 'control-plane');
  const controlPlane = await startTideCommand({
    args: ['control-plane', '--port', String(await freePort()), '--data', cpData],
    ready: /control plane is up at/,
  });
  others.push(controlPlane);
  scrapes.set('tide-control-plane', { url: controlPlane.url, token: adminTokenIn(cpData) });
  const gatewayPort = await freePort();
  others.push(
    await startTideCommand({
      args: ['gateway', '--server', tide.url, '--port', String(gatewayPort)],
      env: { TIDE_TOKEN: await componentToken(tide.url, upData, 'gateway') },
      ready: /gateway is up at/,
    }),
  );
  scrapes.set('tide-gateway', { url: `http://127.0.0.1:${gatewayPort}` });
  const triggersPort = await freePort();
  others.push(
    await startTideCommand({
      args: ['triggers', '--server', tide.url, '--port', String(triggersPort)],
      env: { TIDE_TOKEN: await componentToken(tide.url, upData, 'triggers') },
      ready: /triggers is up at/,
    }),
  );
  scrapes.set('tide-triggers', { url: `http://127.0.0.1:${triggersPort}` });
  const nodePort = await freePort();
  others.push(
    await startTideCommand({
      // Tainted: the function's pod starts on tide up's own node, whose cold start the tide-up scrape shows.
      args: [
        'node',
        '--server',
        tide.url,
        '--name',
        'exposed-2',
        '--data',
        join(dir.path, 'node'),
        '--port',
        String(nodePort),
        '--warm-pool',
        '0',
        '--taint',
        'only=tests:NoSchedule',
      ],
      env: { TIDE_BOOTSTRAP_TOKEN: bootstrapTokenIn(upData) },
      ready: / is up \(boot .*serving \/metrics at/,
    }),
  );
  scrapes.set('tide-node', { url: `http://127.0.0.1:${nodePort}` });

  // Calls through tide up's gateway and the separate one, and one to a function that does not exist (404).
  const upload = await fetch(`${tide.url}/apis/tide.dev/v1/artifacts`, { method: 'POST', body: APP, headers: tide.headers });
  const { digest } = (await upload.json()) as { digest: string };
  const applied = await fetch(`${tide.url}/apis/tide.dev/v1/namespaces/default/functions/exposed`, {
    method: 'PUT',
    headers: { ...tide.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'tide.dev/v1', kind: 'Function', metadata: { name: 'exposed' }, spec: { source: { artifact: digest } } }),
  });
  if (applied.status >= 300) throw new Error(`applying the function: ${applied.status} ${await applied.text()}`);
  for (const url of [tide.url, `http://127.0.0.1:${gatewayPort}`]) {
    await eventually(
      async () => {
        const res = await fetch(`${url}/fn/default/exposed`);
        expect([res.status, await res.text()]).toEqual([200, 'exposed']);
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect((await fetch(`${url}/fn/default/nobody`)).status).toBe(404);
  }
  // An async call, which tide up's triggers deliver: its delivery and its activation are counted.
  const accepted = await fetch(`${tide.url}/async/default/exposed`, { method: 'POST', body: 'later' });
  if (accepted.status !== 202) throw new Error(`an async call: ${accepted.status} ${await accepted.text()}`);
  await eventually(async () => expect(familiesOf(await scrape(tide.url, tide.adminToken)).has('tide_async_activations_total')).toBe(true), {
    timeoutMs: 30_000,
    intervalMs: 200,
  });
}, 120_000);

afterAll(async () => {
  for (const process of others.reverse()) await stopTide(process);
  await stopTide(tide);
  await dir?.remove();
});

/** The families each process must serve besides target_info: what proves the scrape is its own, with data in it. */
const EXPECTED: Record<string, string[]> = {
  'tide-up': [
    'tide_invocations_total',
    'tide_invocation_duration_seconds',
    'tide_cold_starts_total',
    'tide_cold_start_duration_seconds',
    'tide_pods',
    'tide_desired_replicas',
    'tide_ready_replicas',
    'tide_gateway_queue_depth',
    'tide_log_append_seconds',
    'tide_log_consumer_lag_records',
    'tide_scheduler_decision_duration_seconds',
  ],
  // A cluster of its own with no function: no replica gauges, only its log's.
  'tide-control-plane': ['tide_log_append_seconds', 'tide_log_consumer_lag_records'],
  'tide-gateway': ['tide_invocations_total', 'tide_invocation_duration_seconds', 'tide_gateway_queue_depth', 'tide_log_consumer_lag_records'],
  'tide-node': ['tide_log_append_seconds', 'tide_log_consumer_lag_records'],
  'tide-triggers': ['tide_log_consumer_lag_records'],
};

/** Families the sources create that these processes serve only after something this test does not do. */
const NOT_CAUSED_HERE: Record<string, string> = {
  tide_trigger_lag: 'Kafka triggers only: this test runs on the embedded log',
  tide_trigger_delivery_duration_seconds: 'Kafka triggers only',
  tide_trigger_duplicates_suppressed_total: 'Kafka triggers only, after a rebalance',
  tide_trigger_retries_total: 'a delivery that fails and is retried',
  tide_trigger_dead_letters_total: 'a delivery that fails past its retries',
  tide_cron_fired_total: 'a cron trigger firing (once a minute at best)',
  tide_cron_skipped_total: 'a cron tick skipped',
  tide_cron_failures_total: 'a fired cron tick whose call failed',
  tide_cron_fire_conflicts_total: 'two triggers processes firing one tick',
  tide_cron_fire_delay_seconds: 'a cron trigger firing',
  tide_fold_rejected_events_total: 'an event the fold rejects (a writer on stale state): test/integration/cluster-metrics.int.test.ts causes some',
  tide_reconcile_rejected_total: "a reconcile loop's proposal the fold rejects",
};

describe.skipIf(!promtool)('/metrics of every Tide process', () => {
  it.each(Object.keys(EXPECTED))('%s: promtool check metrics is clean, and it serves its own metrics', async (service) => {
    const { url, token } = scrapes.get(service)!;
    const text = await scrape(url, token);
    expect(text).toMatch(new RegExp(`^target_info\\{[^}]*service_name="${service}"`, 'm'));
    const families = familiesOf(text);
    expect(
      EXPECTED[service]!.filter((name) => !families.has(name)),
      `${service} lacks these families:\n${text}`,
    ).toEqual([]);
    expect(promtoolCheck(promtool!, text)).toEqual({ code: 0, output: '' });
  });

  it('serves what the infra test finds in the sources, of the kind it says (its reading of the code is right)', async () => {
    const served = servedMetrics();
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const [service, { url, token }] of scrapes) {
      for (const [name, type] of familiesOf(await scrape(url, token))) {
        if (!name.startsWith('tide_')) continue;
        seen.add(name);
        const found = served.get(name);
        if (!found) problems.push(`${service} serves ${name} (${type}), which test/support/served-metrics.ts does not find in packages/*/src`);
        else if (found.kind !== type) problems.push(`${service} serves ${name} as a ${type}; served-metrics.ts reads ${found.file} as making a ${found.kind}`);
      }
    }
    expect(problems).toEqual([]);
    // The rest appear only once what they count happens, which this test does not cause: each is
    // named with the reason, so a metric added to the sources must be served here or listed.
    expect([...served.keys()].filter((name) => !seen.has(name)).sort()).toEqual(Object.keys(NOT_CAUSED_HERE).sort());
  });

  it('pushes them over OTLP where OTEL_* says so, traces exported too, and still serves them at /metrics', async () => {
    const pushed: { path: string; body: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => (pushed.push({ path: req.url ?? '', body }), res.writeHead(200, { 'content-type': 'application/json' }).end('{}')));
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = await freePort();
    let triggers: TideProcess | undefined;
    try {
      triggers = await startTideCommand({
        args: ['triggers', '--server', tide.url, '--port', String(port)],
        env: {
          TIDE_TOKEN: await componentToken(tide.url, join(dir.path, 'up'), 'triggers'),
          // The general endpoint turns on traces and metrics alike, as the spec has it.
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as { port: number }).port}`,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_METRIC_EXPORT_INTERVAL: '200',
        },
        ready: /triggers is up at/,
      });
      await eventually(() => expect(pushed.some((p) => p.path === '/v1/metrics' && p.body.includes('"tide_log_consumer_lag_records"'))).toBe(true), {
        timeoutMs: 15_000,
      });
      expect(pushed.find((p) => p.path === '/v1/metrics')!.body).toContain('"stringValue":"tide-triggers"');
      const text = await scrape(`http://127.0.0.1:${port}`);
      expect(familiesOf(text).get('tide_log_consumer_lag_records')).toBe('gauge');
      expect(promtoolCheck(promtool!, text)).toEqual({ code: 0, output: '' });
    } finally {
      await stopTide(triggers);
      receiver.closeAllConnections();
      await new Promise((resolve) => receiver.close(resolve));
    }
  }, 60_000);

  it('a node on --port also answers /healthz and /readyz (the probes of infra/kubernetes), and says what it serves elsewhere', async () => {
    const { url } = scrapes.get('tide-node')!;
    for (const path of ['/healthz', '/readyz']) {
      const res = await fetch(`${url}${path}`);
      expect([res.status, await res.json()]).toEqual([200, { status: 'ok' }]);
    }
    const other = await fetch(`${url}/pods`);
    expect([other.status, await other.json()]).toEqual([404, { error: 'no route for GET /pods: a node serves /healthz, /readyz and /metrics' }]);
  });

  it('refuses an OTEL_* value the spec does not allow, naming the variable, before it starts', async () => {
    const refused = await startTideCommand({
      args: ['gateway', '--server', tide.url, '--port', String(await freePort())],
      env: { OTEL_METRICS_EXPORTER: 'otlp,statsd' },
      ready: /never/,
    }).catch((error: Error) => error.message);
    expect(refused).toMatch(/tide: OTEL_METRICS_EXPORTER="otlp,statsd": must be a comma-separated list of otlp, prometheus, console, none/);
  });
});
