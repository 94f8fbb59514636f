import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { metrics } from '@opentelemetry/api';
import { startMetrics, type MetricsEndpoint } from './metrics.js';

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

  it('names the process’s service in target_info', async () => {
    const scrape = await serve({ serviceName: 'tide-gateway', env: {} });
    expect(await scrape()).toMatch(/^target_info\{[^}]*service_name="tide-gateway"/m);
  });

  it('lets OTEL_SERVICE_NAME name the service instead', async () => {
    const scrape = await serve({ serviceName: 'tide-gateway', env: { OTEL_SERVICE_NAME: 'edge-1' } });
    expect(await scrape()).toMatch(/^target_info\{[^}]*service_name="edge-1"/m);
  });
});
