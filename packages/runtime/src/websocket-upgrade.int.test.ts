import { WebSocket } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type ServedFunction, serveFunction } from './serve-function.js';

const servers: ServedFunction[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(fetch: (request: Request) => Response | Promise<Response>): Promise<string> {
  const served = await serveFunction({ default: { fetch } }, { port: 0, host: '127.0.0.1', timeoutMs: 5_000 });
  servers.push(served);
  return `ws://127.0.0.1:${served.port}`;
}

declare const WebSocketPair: new () => Record<0 | 1, { accept(): void; send(data: unknown): void; close(code?: number, reason?: string): void } & EventTarget>;

/** The Workers echo, as the Cloudflare docs write it. */
function echo(request: Request): Response {
  if (request.headers.get('upgrade') !== 'websocket') return new Response('expected a websocket', { status: 426 });
  const [client, server] = Object.values(new WebSocketPair());
  server?.accept();
  server?.addEventListener('message', (event) => server.send((event as MessageEvent).data));
  server?.addEventListener('close', (event) => server.close((event as Event & { code: number }).code, 'bye'));
  return new Response(null, { status: 101, webSocket: client } as ResponseInit);
}

function talk(url: string, send: (socket: WebSocket) => void, until: (received: unknown[]) => boolean) {
  return new Promise<{ received: unknown[]; code: number; reason: string }>((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    const received: unknown[] = [];
    socket.addEventListener('open', () => send(socket));
    socket.addEventListener('message', (event) => {
      received.push(event.data);
      if (until(received)) socket.close(1000, 'done');
    });
    socket.addEventListener('error', () => reject(new Error(`WebSocket to ${url} failed`)));
    socket.addEventListener('close', (event) => resolve({ received, code: event.code, reason: event.reason }));
  });
}

describe('WebSockets in a Workers app', () => {
  it('answers an upgrade with the WebSocketPair the function returned in its 101, text and binary both ways', async () => {
    const url = await serve(echo);
    const result = await talk(
      url,
      (socket) => {
        socket.send('hello');
        socket.send(new Uint8Array([1, 2, 3]));
      },
      (received) => received.length === 2,
    );
    expect(result.received[0]).toBe('hello');
    expect(new Uint8Array(result.received[1] as ArrayBuffer)).toEqual(new Uint8Array([1, 2, 3]));
    expect(result.code).toBe(1000);
  });

  it('sends what the function sent before the handshake finished, in order', async () => {
    const url = await serve(() => {
      const [client, server] = Object.values(new WebSocketPair());
      server?.accept();
      server?.send('first');
      server?.send('second');
      return new Response(null, { status: 101, webSocket: client } as ResponseInit);
    });
    const result = await talk(
      url,
      () => {},
      (received) => received.length === 2,
    );
    expect(result.received).toEqual(['first', 'second']);
  });

  it("refuses the upgrade with the function's own answer when it does not switch", async () => {
    const url = await serve(() => new Response('no sockets here', { status: 403 }));
    await expect(
      talk(
        url,
        () => {},
        () => true,
      ),
    ).rejects.toThrow(/failed/);
  });

  it('still serves plain requests', async () => {
    const url = await serve(echo);
    const res = await fetch(url.replace('ws:', 'http:'));
    expect(res.status).toBe(426);
    expect(await res.text()).toBe('expected a websocket');
  });
});
