import { type IncomingHttpHeaders, type IncomingMessage, request } from 'node:http';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { closeAfterEach, endpoint, FakeRouteTable, type RunningServer, startGateway, startServer, waitFor } from './test-support/harness.js';

const track = closeAfterEach();

/** A pod that switches every upgrade to a byte echo, and remembers the upgrade requests' headers. */
async function echoTunnelPod(): Promise<RunningServer & { upgrades: IncomingHttpHeaders[]; urls: string[] }> {
  const upgrades: IncomingHttpHeaders[] = [];
  const urls: string[] = [];
  const running = track(await startServer((_req, res) => res.end('plain')));
  running.server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    upgrades.push(req.headers);
    urls.push(req.url ?? '');
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
    socket.pipe(socket);
  });
  return Object.assign(running, { upgrades, urls });
}

type Upgraded = { kind: 'upgraded'; socket: Socket; status: number } | { kind: 'answered'; status: number; headers: IncomingHttpHeaders; body: string };

/** Asks for an upgrade; resolves with the tunnel, or with the plain answer if there was no switch. */
function upgrade(url: string, path: string, headers: Record<string, string> = {}): Promise<Upgraded> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { headers: { connection: 'Upgrade', upgrade: 'echo', ...headers } });
    req.on('upgrade', (res, socket) => resolve({ kind: 'upgraded', socket, status: res.statusCode ?? 0 }));
    req.on('response', (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ kind: 'answered', status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Writes `text` into the tunnel and resolves with the same number of bytes read back. */
function roundTrip(socket: Socket, text: string): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const onData = (chunk: Buffer) => {
      got += chunk.toString();
      if (got.length >= text.length) {
        socket.off('data', onData);
        resolve(got);
      }
    };
    socket.on('data', onData);
    socket.write(text);
  });
}

function tunnelOf(result: Upgraded): Socket {
  if (result.kind !== 'upgraded') throw new Error(`expected a 101, got ${result.status}: ${result.body}`);
  return result.socket;
}

describe('upgrades (WebSockets) through the gateway', () => {
  it('tunnels an upgrade to a pod, both ways, counted in flight until it closes', async () => {
    const pod = await echoTunnelPod();
    const routes = new FakeRouteTable();
    routes.set('default', 'chat', [endpoint('chat-1', pod)]);
    const gw = track(await startGateway({ routes }));
    const result = await upgrade(gw.url, '/fn/default/chat/room?id=7', { 'sec-websocket-key': 'abc' });
    const socket = tunnelOf(result);
    expect(result.status).toBe(101);
    expect(await roundTrip(socket, 'ping')).toBe('ping');
    expect(pod.urls).toEqual(['/room?id=7']);
    expect(pod.upgrades[0]).toMatchObject({ upgrade: 'echo', connection: 'Upgrade', 'sec-websocket-key': 'abc', 'x-forwarded-prefix': '/fn/default/chat' });
    expect(gw.gateway.stats()).toMatchObject({ inFlight: 1, tunnels: 1 });
    socket.destroy();
    await waitFor(() => gw.gateway.stats().inFlight === 0);
    expect(gw.gateway.stats().tunnels).toBe(0);
  });

  it('holds an upgrade while the function has no ready pod, then tunnels it to the first one', async () => {
    const pod = await echoTunnelPod();
    const routes = new FakeRouteTable();
    routes.set('default', 'chat', []);
    const cold: string[] = [];
    const gw = track(await startGateway({ routes, onColdRequest: (namespace, name) => cold.push(`${namespace}/${name}`) }));
    const pending = upgrade(gw.url, '/fn/default/chat');
    await waitFor(() => cold.length === 1);
    routes.set('default', 'chat', [endpoint('chat-1', pod)]);
    const socket = tunnelOf(await pending);
    expect(await roundTrip(socket, 'from zero')).toBe('from zero');
    socket.destroy();
  });

  it("counts an open tunnel against its pod's concurrency: the next upgrade waits until it closes", async () => {
    const pod = await echoTunnelPod();
    const routes = new FakeRouteTable();
    routes.set('default', 'chat', [endpoint('chat-1', pod, 1)]);
    const gw = track(await startGateway({ routes }));
    const first = tunnelOf(await upgrade(gw.url, '/fn/default/chat'));
    let secondDone = false;
    const second = upgrade(gw.url, '/fn/default/chat').then((result) => {
      secondDone = true;
      return result;
    });
    await waitFor(() => gw.gateway.stats().inFlight === 2);
    expect(pod.upgrades).toHaveLength(1);
    expect(secondDone).toBe(false);
    first.destroy();
    const socket = tunnelOf(await second);
    expect(pod.upgrades).toHaveLength(2);
    socket.destroy();
  });

  it("gives the client the pod's answer when the pod does not switch, then closes", async () => {
    const pod = track(
      await startServer((_req, res) => {
        res.writeHead(426, { 'content-type': 'text/plain', 'tide-error': 'gateway' });
        res.end('upgrade to what?');
      }),
    );
    const routes = new FakeRouteTable();
    routes.set('default', 'plain', [endpoint('plain-1', pod)]);
    const gw = track(await startGateway({ routes }));
    const result = await upgrade(gw.url, '/fn/default/plain');
    expect(result).toMatchObject({ kind: 'answered', status: 426, body: 'upgrade to what?' });
    expect(result.kind === 'answered' && result.headers['tide-error']).toBeUndefined();
    await waitFor(() => gw.gateway.stats().inFlight === 0);
  });

  it('answers an upgrade for a missing function with its own 404, marked tide-error: gateway', async () => {
    const gw = track(await startGateway({ routes: new FakeRouteTable() }));
    const result = await upgrade(gw.url, '/fn/default/nope');
    expect(result).toMatchObject({ kind: 'answered', status: 404, headers: { 'tide-error': 'gateway' } });
    expect(result.kind === 'answered' && JSON.parse(result.body)).toEqual({ error: 'function default/nope not found' });
  });

  it('cuts open tunnels when the gateway closes', async () => {
    const pod = await echoTunnelPod();
    const routes = new FakeRouteTable();
    routes.set('default', 'chat', [endpoint('chat-1', pod)]);
    const gw = await startGateway({ routes });
    const socket = tunnelOf(await upgrade(gw.url, '/fn/default/chat'));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await gw.gateway.close();
    await closed;
    expect(gw.gateway.stats().tunnels).toBe(0);
    await gw.close(); // the server's close waits for every socket, tunnels included
  });
});
