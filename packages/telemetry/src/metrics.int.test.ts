import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { metrics } from '@opentelemetry/api';
import { eventually } from '@tide/testkit/testing';
import { startMetrics, type MetricsEndpoint } from './metrics.js';
import { seriesHistogram } from './series-histograms.js';

let endpoint: MetricsEndpoint | undefined;
let server: Server | undefined;

/** Serves the endpoint on a free port and returns a scrape, as Prometheus makes one. */
async function serve(options: Parameters<typeof startMetrics>[0]): Promise<() => Promise<string>> {
  endpoint = startMetrics(options);
  const served = endpoint;
  server = createServer((req, res) => served.handle(req, res));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/metrics`;
  return async () => {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    return res.text();
  };
}

const series = (text: string, name: string) =>
  text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`))
    .map((line) => line.replace(/,?otel_scope_name="[^"]*"/, ''));

afterEach(async () => {
  if (server) await new Promise((resolve) => server!.close(resolve));
  await endpoint?.shutdown();
  server = undefined;
  endpoint = undefined;
});

describe('the /metrics endpoint', () => {
  it('serves a series histogram exactly as the SDK serves a histogram fed the same values', async () => {
    const scrape = await serve({ serviceName: 'tide-test', env: {} });
    const boundaries = [0.001, 0.01, 0.1, 1];
    const sdk = metrics
      .getMeter('test')
      .createHistogram('tide_test_sdk_seconds', { description: 'd', unit: 's', advice: { explicitBucketBoundaries: boundaries } });
    const bound = seriesHistogram('tide_test_bound_seconds', { scope: 'test', description: 'd', unit: 's', boundaries });
    const a = bound.series({ function: 'a', status: '200' });
    // Equal attributes in another key order are the same series.
    const alsoA = bound.series({ status: '200', function: 'a' });
    const b = bound.series({ function: 'b', status: '500' });
    for (const [value, series, attributes] of [
      [0.0005, a, { function: 'a', status: '200' }],
      [0.01, alsoA, { function: 'a', status: '200' }],
      [0.5, a, { function: 'a', status: '200' }],
      [7, b, { function: 'b', status: '500' }],
    ] as const) {
      series.record(value);
      sdk.record(value, attributes);
    }
    const text = await scrape();
    // Whole lines, scope label included: both were made in scope "test".
    const lines = (name: string) => text.split('\n').filter((line) => ['_bucket{', '_sum{', '_count{'].some((suffix) => line.startsWith(`${name}${suffix}`)));
    const fromSdk = lines('tide_test_sdk_seconds').map((line) => line.replace('tide_test_sdk_seconds', 'tide_test_bound_seconds'));
    expect(fromSdk.length).toBeGreaterThan(0);
    expect(lines('tide_test_bound_seconds')).toEqual(fromSdk);
    expect(text).toMatch(/^# TYPE tide_test_bound_seconds histogram$/m);
  });

  it('reports only the series an observable gauge observes now: one that disappears is gone, not stuck at its last value', async () => {
    const scrape = await serve({ serviceName: 'tide-test', env: {} });
    let pods: Record<string, number> = { a: 2, b: 1 };
    metrics
      .getMeter('test')
      .createObservableGauge('tide_test_pods')
      .addCallback((result) => {
        for (const [fn, n] of Object.entries(pods)) result.observe(n, { function: fn });
      });
    const calls = metrics.getMeter('test').createCounter('tide_test_calls');
    calls.add(1, { function: 'a' });

    expect(series(await scrape(), 'tide_test_pods')).toEqual(['tide_test_pods{function="a"} 2', 'tide_test_pods{function="b"} 1']);
    pods = { a: 3 };
    expect(series(await scrape(), 'tide_test_pods')).toEqual(['tide_test_pods{function="a"} 3']);
    pods = {};
    expect(series(await scrape(), 'tide_test_pods')).toEqual([]);
    pods = { b: 1 };
    expect(series(await scrape(), 'tide_test_pods')).toEqual(['tide_test_pods{function="b"} 1']);
    // Counters stay cumulative: a total is never reset by a scrape.
    calls.add(1, { function: 'a' });
    expect(series(await scrape(), 'tide_test_calls_total')).toEqual(['tide_test_calls_total{function="a"} 2']);
  });

  it('pushes the same metrics over OTLP when OTEL_METRICS_EXPORTER says so, a vanished gauge series included no more', async () => {
    const received: { name: string; points: { attributes: { key: string; value: { stringValue?: string } }[]; asInt?: string; asDouble?: number }[] }[][] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const payload = JSON.parse(body) as {
          resourceMetrics: { scopeMetrics: { metrics: { name: string; gauge?: { dataPoints: never[] }; sum?: { dataPoints: never[] } }[] }[] }[];
        };
        received.push(
          payload.resourceMetrics.flatMap((r) =>
            r.scopeMetrics.flatMap((s) => s.metrics.map((m) => ({ name: m.name, points: (m.gauge ?? m.sum)?.dataPoints ?? [] }))),
          ),
        );
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const port = (receiver.address() as { port: number }).port;
      await serve({
        serviceName: 'tide-test',
        env: {
          OTEL_METRICS_EXPORTER: 'otlp',
          OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json',
          OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `http://127.0.0.1:${port}/v1/metrics`,
          OTEL_METRIC_EXPORT_INTERVAL: '100',
        },
      });
      let pods: Record<string, number> = { a: 2, b: 1 };
      metrics
        .getMeter('test')
        .createObservableGauge('tide_test_pods')
        .addCallback((result) => {
          for (const [fn, n] of Object.entries(pods)) result.observe(n, { function: fn });
        });
      metrics.getMeter('test').createCounter('tide_test_calls').add(3, { function: 'a' });
      /** The functions and values of a metric in the latest export that has it. */
      const latest = (name: string) =>
        received
          .flat()
          .filter((m) => m.name === name)
          .at(-1)
          ?.points.map((p) => `${p.attributes.find((a) => a.key === 'function')?.value.stringValue}=${p.asInt ?? p.asDouble}`)
          .sort();
      await eventually(() => expect(latest('tide_test_pods')).toEqual(['a=2', 'b=1']));
      expect(latest('tide_test_calls')).toEqual(['a=3']);
      pods = { a: 3 };
      await eventually(() => expect(latest('tide_test_pods')).toEqual(['a=3']));
    } finally {
      // The provider's last export goes to the receiver while it still listens.
      await endpoint?.shutdown();
      endpoint = undefined;
      receiver.closeAllConnections();
      await new Promise((resolve) => receiver.close(resolve));
    }
  });

  it('names the process’s service in target_info', async () => {
    const scrape = await serve({ serviceName: 'tide-gateway', env: {} });
    expect(await scrape()).toMatch(/^target_info\{[^}]*service_name="tide-gateway"/m);
  });

  it('lets OTEL_SERVICE_NAME name the service instead', async () => {
    const scrape = await serve({ serviceName: 'tide-gateway', env: { OTEL_SERVICE_NAME: 'edge-1' } });
    expect(await scrape()).toMatch(/^target_info\{[^}]*service_name="edge-1"/m);
  });
});
