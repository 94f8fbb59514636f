import { chmod, rm } from 'node:fs/promises';
import type { Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { MAX_PROXY_HEADER_BYTES, parseProxyV2 } from './core/proxy-v2.js';

export interface ProxiedListener {
  readonly path: string;
  close(): Promise<void>;
}

/** How long haproxy may take to send its PROXY header once connected (it sends it at once). */
const HEADER_TIMEOUT_MS = 5_000;

/**
 * A second way into Tide's HTTP server, for haproxy alone: a unix socket at `path` (in the
 * ingress's directory, mode 0700, so no other user reaches it) where every connection opens with a
 * PROXY v2 header naming the caller. The connection is then handed to `server` as if that caller had
 * connected, so the gateway's and the API's per-address limits (failed token checks) and the
 * x-forwarded-for the gateway sets see the caller, not haproxy. Tide's TCP listener never reads a
 * PROXY header: only this socket is trusted to name a caller.
 */
export async function listenProxied(server: HttpServer, path: string): Promise<ProxiedListener> {
  await rm(path, { force: true });
  const listener = createServer((socket) => acceptProxied(server, socket));
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(path, () => resolve());
  });
  await chmod(path, 0o600);
  return { path, close: () => closeListener(listener) };
}

function acceptProxied(server: HttpServer, socket: Socket): void {
  let received = Buffer.alloc(0);
  socket.setTimeout(HEADER_TIMEOUT_MS, () => socket.destroy());
  socket.on('error', () => socket.destroy());
  const onData = (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    const header = parseProxyV2(received);
    if (header.kind === 'incomplete' && received.length <= MAX_PROXY_HEADER_BYTES) return;
    socket.off('data', onData);
    socket.pause();
    socket.setTimeout(0);
    if (header.kind !== 'parsed') {
      socket.destroy();
      return;
    }
    if (header.source !== undefined) {
      // A unix socket has no peer address of its own: the caller's, as net.Socket's getters would give it.
      Object.defineProperties(socket, {
        remoteAddress: { value: header.source.address },
        remotePort: { value: header.source.port },
        remoteFamily: { value: header.source.family },
      });
    }
    if (received.length > header.length) socket.unshift(received.subarray(header.length));
    server.emit('connection', socket);
    socket.resume();
  };
  socket.on('data', onData);
}

function closeListener(listener: Server): Promise<void> {
  return new Promise((resolve) => listener.close(() => resolve()));
}
