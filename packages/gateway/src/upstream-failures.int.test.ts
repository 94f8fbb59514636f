import type { IncomingMessage } from 'node:http';
import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { closeAfterEach, FakeRouteTable, type RunningServer, endpoint, startGateway, startServer, waitFor } from './test-support/harness.js';

const client = new Agent({ keepAliveTimeout: 1_000 });
const track = closeAfterEach();
afterAll(() => client.close());

const POD = 'hello-00001-abcde';

async function gatewayTo(server: RunningServer, options: { timeoutMs?: number; concurrency?: number } = {}) {
  track(server);
  const routes = new FakeRouteTable();
  routes.set('default', 'hello', [endpoint(POD, server, options.concurrency ?? 10)], options.timeoutMs ?? 5_000);
  const gw = track(await startGateway({ routes }));
  return gw;
}

const errorOf = async (res: Awaited<ReturnType<typeof request>>) => ((await res.body.json()) as { error: string }).error;

describe('when the pod fails', () => {
  it('answers 502 naming the pod when it drops the connection before answering', async () => {
    const { url } = await gatewayTo(await startServer((req) => req.socket.destroy()));
    const res = await request(`${url}/fn/default/hello`, { dispatcher: client });
    expect(res.statusCode).toBe(502);
    expect(res.headers['content-type']).toBe('application/json');
    expect(await errorOf(res)).toMatch(new RegExp(`^pod ${POD} failed: .+`));
  });

  it('answers 502 when nothing listens at the pod address', async () => {
    const gone = await startServer(() => undefined);
    await gone.close();
    const { url } = await gatewayTo(gone);
    const res = await request(`${url}/fn/default/hello`, { dispatcher: client });
    expect(res.statusCode).toBe(502);
    expect(await errorOf(res)).toContain(`pod ${POD} failed: `);
  });

  it('sends a request refused at connect to another pod (a pod going away never saw it)', async () => {
    const gone = await startServer(() => undefined);
    await gone.close();
    const alive = track(await startServer((_req, res) => res.end('from the live pod')));
    track(gone);
    const routes = new FakeRouteTable();
    routes.set('default', 'hello', [endpoint('hello-00001-gone1', gone), endpoint('hello-00001-alive', alive)]);
    const gw = track(await startGateway({ routes }));
    for (let i = 0; i < 10; i++) {
      const res = await request(`${gw.url}/fn/default/hello`, { dispatcher: client });
      expect(res.statusCode).toBe(200);
      expect(await res.body.text()).toBe('from the live pod');
    }
  });

  it('answers 504 when the pod sends no response headers within the timeout', async () => {
    const { url } = await gatewayTo(await startServer(() => undefined), { timeoutMs: 200 });
    const res = await request(`${url}/fn/default/hello`, { dispatcher: client });
    expect(res.statusCode).toBe(504);
    expect(await errorOf(res)).toBe(`function default/hello did not respond within its 200 ms timeout (pod ${POD})`);
  });

  it('cuts the client connection when the pod dies after the response started', async () => {
    const { url } = await gatewayTo(
      await startServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('partial');
        setTimeout(() => res.socket?.destroy(), 20);
      }),
    );
    const res = await request(`${url}/fn/default/hello`, { dispatcher: client });
    expect(res.statusCode).toBe(200);
    await expect(res.body.text()).rejects.toThrow();
  });

  it('keeps serving after a failure: the slot of the failed request is freed', async () => {
    let calls = 0;
    const { url, gateway } = await gatewayTo(
      await startServer((req, res) => {
        calls += 1;
        if (calls === 1) req.socket.destroy();
        else res.end('fine');
      }),
      { concurrency: 1 },
    );
    expect((await request(`${url}/fn/default/hello`, { dispatcher: client })).statusCode).toBe(502);
    const res = await request(`${url}/fn/default/hello`, { dispatcher: client });
    expect(await res.body.text()).toBe('fine');
    expect(gateway.stats().inFlight).toBe(0);
  });
});

describe('when the client goes away', () => {
  it('cancels the upstream request and frees the slot', async () => {
    const arrived: IncomingMessage[] = [];
    const closedAtPod: string[] = [];
    const { url, gateway } = await gatewayTo(
      await startServer((req, res) => {
        arrived.push(req);
        if (req.headers['x-mode'] === 'hang') res.on('close', () => closedAtPod.push('hang'));
        else res.end('second');
      }),
      { concurrency: 1 },
    );
    const abort = new AbortController();
    const pending = request(`${url}/fn/default/hello`, {
      dispatcher: client,
      headers: { 'x-mode': 'hang' },
      signal: abort.signal,
    });
    await waitFor(() => arrived.length === 1);
    abort.abort();
    await expect(pending).rejects.toThrow();
    await waitFor(() => closedAtPod.length === 1);
    await waitFor(() => gateway.stats().inFlight === 0);
    const res = await request(`${url}/fn/default/hello`, { dispatcher: client });
    expect(await res.body.text()).toBe('second');
  });
});
