import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGateway, type FunctionRoute, type Gateway, type RouteTable } from '@tide/gateway';
import { afterEach, describe, expect, it } from 'vitest';
import { type GatewayDispatcher, gatewayDispatcher } from './gateway-dispatcher.js';

const TOKEN = 'component-s3cret';
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function serve(listener: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server: Server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A pod that answers like the runtime: echoes the call, or 501 when asked for a queue() it does not have. */
async function fakePod(): Promise<string> {
  return serve((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.headers['tide-invoke'] === 'queue') {
        res.writeHead(501, { 'content-type': 'text/plain' });
        return void res.end('function has no queue handler');
      }
      if (req.url?.startsWith('/slow')) return; // never answers: the caller aborts
      res.writeHead(200, { 'content-type': 'application/json', 'x-pod': 'yes' });
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() }));
    });
  });
}

async function dispatcherThroughGateway(): Promise<GatewayDispatcher> {
  const pod = await fakePod();
  const route: FunctionRoute = { namespace: 'default', name: 'hello', endpoints: [{ pod: 'hello-1', url: pod, concurrency: 10 }], timeoutMs: 5_000 };
  const routes: RouteTable = { lookup: (ns, name) => (ns === 'default' && name === 'hello' ? route : undefined), subscribe: () => () => undefined };
  const gateway: Gateway = createGateway({ routes, componentToken: TOKEN });
  const url = await serve((req, res) => {
    if (!gateway.handle(req, res)) res.writeHead(418).end();
  });
  closers.push(() => gateway.close());
  const dispatcher = gatewayDispatcher({ gatewayUrl: url, componentToken: TOKEN });
  closers.push(() => dispatcher.close());
  return dispatcher;
}

const text = (body: Uint8Array) => Buffer.from(body).toString('utf8');

describe('gatewayDispatcher delivers through a real gateway', () => {
  it('sends an http delivery to /fn/{ns}/{name}{path} with its method, headers and body', async () => {
    const dispatcher = await dispatcherThroughGateway();
    const result = await dispatcher.deliver({ namespace: 'default', function: 'hello', kind: 'http', method: 'PUT', path: '/orders/7?x=1', headers: { 'ce-id': 'e1' }, body: 'payload' });
    expect(result.status).toBe(200);
    expect(result.noHandler).toBe(false);
    expect(result.headers['x-pod']).toBe('yes');
    const seen = JSON.parse(text(result.body)) as { method: string; url: string; headers: Record<string, string>; body: string };
    expect(seen).toMatchObject({ method: 'PUT', url: '/orders/7?x=1', body: 'payload' });
    expect(seen.headers['ce-id']).toBe('e1');
  });

  it('calls scheduled() with tide-invoke, which the gateway keeps for the component token, never forwarding the token', async () => {
    const dispatcher = await dispatcherThroughGateway();
    const result = await dispatcher.deliver({ namespace: 'default', function: 'hello', kind: 'scheduled', headers: {}, body: '{"cron":"* * * * *","scheduledTime":1}' });
    const seen = JSON.parse(text(result.body)) as { method: string; headers: Record<string, string> };
    expect(seen.method).toBe('POST');
    expect(seen.headers['tide-invoke']).toBe('scheduled');
    expect(seen.headers['tide-component-token']).toBeUndefined();
  });

  it('reports noHandler when the module lacks the handler asked for', async () => {
    const dispatcher = await dispatcherThroughGateway();
    const result = await dispatcher.deliver({ namespace: 'default', function: 'hello', kind: 'queue', headers: {}, body: '{"queue":"q","messages":[]}' });
    expect(result).toMatchObject({ status: 501, noHandler: true });
  });

  it('answers a gateway 404 for an unknown function as a result, not a rejection', async () => {
    const dispatcher = await dispatcherThroughGateway();
    const result = await dispatcher.deliver({ namespace: 'default', function: 'nope', kind: 'http', headers: {}, body: '' });
    expect(result.status).toBe(404);
    expect(result.noHandler).toBe(false);
  });

  it('rejects, naming the function, when the signal aborts the call', async () => {
    const dispatcher = await dispatcherThroughGateway();
    const abort = new AbortController();
    const pending = dispatcher.deliver({ namespace: 'default', function: 'hello', kind: 'http', path: '/slow', headers: {}, body: 'x', signal: abort.signal });
    abort.abort();
    await expect(pending).rejects.toThrow(/default\/hello/);
  });
});
