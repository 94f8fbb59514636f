import { createServer, type Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGateway, type FunctionRoute, type Gateway, type RouteTable } from '@tide/gateway';
import { startMetrics, type MetricsEndpoint } from '@tide/telemetry';
import { eventually } from '@tide/testkit/testing';

/** Routes edited by the test; listeners fire on every change, as the state-fed table's do. */
function editableRoutes() {
  const routes = new Map<string, FunctionRoute>();
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((listener) => listener());
  const table: RouteTable = {
    lookup: (namespace, name) => routes.get(`${namespace}/${name}`),
    subscribe: (listener) => (listeners.add(listener), () => void listeners.delete(listener)),
  };
  return {
    table,
    set: (name: string, endpoints: FunctionRoute['endpoints']) => (
      routes.set(`default/${name}`, { namespace: 'default', name, endpoints, timeoutMs: 10_000 }), changed()
    ),
    delete: (name: string) => (routes.delete(`default/${name}`), changed()),
  };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

let endpoint: MetricsEndpoint;
let gateway: Gateway;
const servers: Server[] = [];
let routes: ReturnType<typeof editableRoutes>;

beforeEach(() => {
  endpoint = startMetrics({ serviceName: 'tide-gateway', env: {} });
  routes = editableRoutes();
  gateway = createGateway({ routes: routes.table });
});
afterEach(async () => {
  await gateway.close();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await endpoint.shutdown();
});

/** Scrapes /metrics as Prometheus does; the samples of one metric, scope label left out. */
async function scrape(url: string, name: string): Promise<string[]> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`))
    .map((line) => line.replace(/,?otel_scope_name="[^"]*"/, ''));
}

describe('gateway gauges, scraped as Prometheus does', () => {
  it('report the calls waiting for a pod while a function scales from zero, 0 once served, and nothing once it is deleted', async () => {
    const front = createServer((req, res) => {
      if (req.url === '/metrics') return endpoint.handle(req, res);
      if (!gateway.handle(req, res)) res.writeHead(404).end();
    });
    servers.push(front);
    const url = await listen(front);
    routes.set('hello', []);

    const calls = [fetch(`${url}/fn/default/hello`), fetch(`${url}/fn/default/hello`)];
    await eventually(async () =>
      expect(await scrape(url, 'tide_gateway_queue_depth')).toEqual(['tide_gateway_queue_depth{namespace="default",function="hello"} 2']),
    );

    const pod = createServer((_req, res) => res.end('hi'));
    servers.push(pod);
    routes.set('hello', [{ pod: 'hello-00001-a', url: await listen(pod), concurrency: 10 }]);
    expect((await Promise.all(calls)).map((r) => r.status)).toEqual([200, 200]);
    await eventually(async () => expect(gateway.stats().inFlight).toBe(0));
    expect(await scrape(url, 'tide_gateway_queue_depth')).toEqual(['tide_gateway_queue_depth{namespace="default",function="hello"} 0']);

    routes.delete('hello');
    expect(await scrape(url, 'tide_gateway_queue_depth')).toEqual([]);
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/^target_info\{[^}]*service_name="tide-gateway"/m);
  });

  it('sums the waiting lines of a function’s revisions (two while traffic moves) into its one series, labelled by revision in its call counts', async () => {
    // A function whose traffic goes all to revision a, then all to b, neither with a pod yet.
    const revisions = new Map<string, FunctionRoute>();
    const listeners = new Set<() => void>();
    let split = [{ percent: 100, key: 'default/split#split-00001' }];
    const revisionRoute = (revision: string): FunctionRoute => ({
      namespace: 'default',
      name: 'split',
      key: `default/split#${revision}`,
      revision,
      endpoints: [],
      timeoutMs: 10_000,
    });
    revisions.set('default/split#split-00001', revisionRoute('split-00001'));
    revisions.set('default/split#split-00002', revisionRoute('split-00002'));
    const table: RouteTable = {
      lookup: (namespace, name) => (namespace === 'default' && name === 'split' ? { namespace, name, endpoints: [], timeoutMs: 10_000, split } : undefined),
      lookupKey: (key) => revisions.get(key),
      subscribe: (listener) => (listeners.add(listener), () => void listeners.delete(listener)),
    };
    const splitGateway = createGateway({ routes: table });
    const front = createServer((req, res) => {
      if (req.url === '/metrics') return endpoint.handle(req, res);
      if (!splitGateway.handle(req, res)) res.writeHead(404).end();
    });
    servers.push(front);
    const url = await listen(front);
    try {
      const calls = [fetch(`${url}/fn/default/split`), fetch(`${url}/fn/default/split`)];
      await eventually(async () =>
        expect(await scrape(url, 'tide_gateway_queue_depth')).toEqual(['tide_gateway_queue_depth{namespace="default",function="split"} 2']),
      );
      split = [{ percent: 100, key: 'default/split#split-00002' }];
      listeners.forEach((listener) => listener());
      calls.push(fetch(`${url}/fn/default/split`));
      await eventually(async () =>
        expect(await scrape(url, 'tide_gateway_queue_depth')).toEqual(['tide_gateway_queue_depth{namespace="default",function="split"} 3']),
      );

      // Pods come for both revisions: each call is counted under the revision that served it.
      const pod = createServer((_req, res) => res.end('ok'));
      servers.push(pod);
      const podUrl = await listen(pod);
      for (const revision of ['split-00001', 'split-00002'])
        revisions.set(`default/split#${revision}`, { ...revisionRoute(revision), endpoints: [{ pod: `${revision}-x`, url: podUrl, concurrency: 10 }] });
      listeners.forEach((listener) => listener());
      expect((await Promise.all(calls)).map((r) => r.status)).toEqual([200, 200, 200]);
      expect((await scrape(url, 'tide_invocations_total')).sort()).toEqual([
        'tide_invocations_total{namespace="default",function="split",revision="split-00001",status="200"} 2',
        'tide_invocations_total{namespace="default",function="split",revision="split-00002",status="200"} 1',
      ]);
    } finally {
      await splitGateway.close();
    }
  });
});
