import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import {
  closeAfterEach,
  type EchoedRequest,
  FakeRouteTable,
  type RunningGateway,
  type RunningServer,
  echoUpstream,
  endpoint,
  startGateway,
  startServer,
} from './test-support/harness.js';

const client = new Agent({ keepAliveTimeout: 1_000 });
const track = closeAfterEach();
afterAll(() => client.close());

async function gatewayTo(upstream: RunningServer): Promise<RunningGateway> {
  track(upstream);
  const routes = new FakeRouteTable();
  routes.set('default', 'hello', [endpoint('hello-00001-abcde', upstream)]);
  const gw = track(await startGateway({ routes }));
  return gw;
}

describe('the gateway proxies /fn/{namespace}/{name}/...', () => {
  it('carries method, path, query, headers and body to the pod and the response back', async () => {
    const { url } = await gatewayTo(await echoUpstream());
    const res = await request(`${url}/fn/default/hello/orders/42?expand=items&x=%2F`, {
      dispatcher: client,
      method: 'PATCH',
      headers: { 'content-type': 'text/plain', 'x-custom': 'yes', 'x-forwarded-for': '203.0.113.7' },
      body: 'hello body',
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-upstream']).toBe('echo');
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    const echoed = (await res.body.json()) as EchoedRequest;
    expect(echoed.method).toBe('PATCH');
    expect(echoed.url).toBe('/orders/42?expand=items&x=%2F');
    expect(Buffer.from(echoed.body, 'base64').toString()).toBe('hello body');
    expect(echoed.headers['x-custom']).toBe('yes');
    expect(echoed.headers['content-type']).toBe('text/plain');
    expect(echoed.headers['x-forwarded-for']).toBe('203.0.113.7, 127.0.0.1');
    expect(echoed.headers['x-forwarded-host']).toBe(new URL(url).host);
    expect(echoed.headers['x-forwarded-proto']).toBe('http');
    expect(echoed.headers['x-forwarded-prefix']).toBe('/fn/default/hello');
  });

  it('sends the bare function path to / with its query', async () => {
    const { url } = await gatewayTo(await echoUpstream());
    const res = await request(`${url}/fn/default/hello?a=1`, { dispatcher: client });
    expect(((await res.body.json()) as EchoedRequest).url).toBe('/?a=1');
  });

  it('does not forward hop-by-hop headers', async () => {
    const { url } = await gatewayTo(await echoUpstream());
    const res = await request(`${url}/fn/default/hello`, {
      dispatcher: client,
      headers: { te: 'trailers', 'proxy-authorization': 'basic abc', trailer: 'x-t', 'x-kept': '1' },
    });
    const echoed = (await res.body.json()) as EchoedRequest;
    expect(echoed.headers['x-kept']).toBe('1');
    expect(echoed.headers).not.toHaveProperty('te');
    expect(echoed.headers).not.toHaveProperty('proxy-authorization');
    expect(echoed.headers).not.toHaveProperty('trailer');
  });

  it('round-trips a 5 MB binary body byte for byte in both directions', async () => {
    const payload = randomBytes(5 * 1024 * 1024);
    const { url } = await gatewayTo(
      await startServer((req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        req.pipe(res); // streams the upload straight back
      }),
    );
    const res = await request(`${url}/fn/default/hello/upload`, { dispatcher: client, method: 'POST', body: payload });
    expect(res.statusCode).toBe(200);
    const received = Buffer.from(await res.body.arrayBuffer());
    expect(received.length).toBe(payload.length);
    expect(received.equals(payload)).toBe(true);
  });

  it('streams the request body: the pod sees the first chunk before the client has sent the rest', async () => {
    let firstChunkAtPod: () => void = () => undefined;
    const podGotFirstChunk = new Promise<void>((resolve) => (firstChunkAtPod = resolve));
    const { url } = await gatewayTo(
      await startServer((req, res) => {
        let received = '';
        req.once('data', () => firstChunkAtPod());
        req.on('data', (chunk: Buffer) => (received += chunk.toString()));
        req.on('end', () => res.end(received));
      }),
    );
    const upload = new PassThrough();
    const pending = request(`${url}/fn/default/hello`, { dispatcher: client, method: 'POST', body: upload });
    upload.write('part one;');
    await podGotFirstChunk;
    upload.end('part two');
    const res = await pending;
    expect(await res.body.text()).toBe('part one;part two');
  });

  it('streams the response: the first chunk reaches the client before the pod ends', async () => {
    let finish: () => void = () => undefined;
    const { url } = await gatewayTo(
      await startServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first;');
        finish = () => res.end('last');
      }),
    );
    const res = await request(`${url}/fn/default/hello`, { dispatcher: client });
    const chunks = res.body[Symbol.asyncIterator]();
    const first = await chunks.next();
    expect(Buffer.from(first.value as Buffer).toString()).toBe('first;');
    finish();
    let rest = '';
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) rest += Buffer.from(next.value).toString();
    expect(rest).toBe('last');
  });

  it('answers 404 with a JSON error for an unknown function', async () => {
    const { url } = await gatewayTo(await echoUpstream());
    const res = await request(`${url}/fn/default/foo`, { dispatcher: client });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toBe('application/json');
    expect(await res.body.json()).toEqual({ error: 'function default/foo not found' });
  });

  it('answers 400 naming the bad segment', async () => {
    const { url } = await gatewayTo(await echoUpstream());
    const res = await request(`${url}/fn/Default/hello`, { dispatcher: client });
    expect(res.statusCode).toBe(400);
    const { error } = (await res.body.json()) as { error: string };
    expect(error).toContain('invalid namespace "Default"');
    const res2 = await request(`${url}/fn/default/hello_world/x`, { dispatcher: client });
    expect(res2.statusCode).toBe(400);
    expect(((await res2.body.json()) as { error: string }).error).toContain('invalid function name "hello_world"');
  });

  it('leaves paths outside /fn/ to the caller', async () => {
    const { url } = await gatewayTo(await echoUpstream());
    const res = await request(`${url}/apis/tide.dev/v1/namespaces`, { dispatcher: client });
    expect(res.statusCode).toBe(418);
    await res.body.dump();
  });

  it('counts requests per function', async () => {
    const { url, gateway } = await gatewayTo(await echoUpstream());
    for (let i = 0; i < 3; i++) await (await request(`${url}/fn/default/hello`, { dispatcher: client })).body.dump();
    expect(gateway.stats()).toEqual({
      inFlight: 0,
      tunnels: 0,
      requests: 3,
      byFunction: { 'default/hello': { inFlight: 0, requests: 3 } },
    });
  });
});

describe('connections to pods', () => {
  it('keeps serving requests on one keep-alive connection to the pod', async () => {
    const upstream = await echoUpstream();
    const { url } = await gatewayTo(upstream);
    let connections = 0;
    upstream.server.on('connection', () => connections++);
    for (let i = 0; i < 20; i++) await (await request(`${url}/fn/default/hello`, { dispatcher: client })).body.dump();
    expect(connections).toBe(1);
  });
});
