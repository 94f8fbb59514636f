import { createServer, type Server } from 'node:http';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '@tide/testkit/testing';
import { proxyV2Header } from './core/proxy-v2.js';
import { listenProxied, type ProxiedListener } from './proxied-listener.js';

/** Tide's server behind haproxy: what it takes as a caller's address on the socket for haproxy. */
describe('the socket haproxy reaches Tide’s server through', () => {
  let dir: Awaited<ReturnType<typeof makeTempDir>>;
  let server: Server;
  let proxied: ProxiedListener;

  beforeAll(async () => {
    dir = await makeTempDir('tide-proxied-');
    server = createServer((req, res) => res.end(`${req.socket.remoteAddress} ${req.socket.remotePort} ${req.url}`));
    proxied = await listenProxied(server, join(dir.path, 'tide.sock'));
  });

  afterAll(async () => {
    server.closeAllConnections();
    await proxied.close();
    await dir.remove();
  });

  /** Writes `bytes` on a new connection to the socket; resolves with all it answered before closing. */
  const exchange = (bytes: Buffer) =>
    new Promise<string>((resolve, reject) => {
      const socket = createConnection(proxied.path, () => socket.write(bytes));
      let answer = '';
      socket.on('data', (chunk) => {
        answer += chunk.toString();
        if (answer.includes('\r\n\r\n') && /\d+ \/\S*$/.test(answer)) socket.end();
      });
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
    });
  const get = (path: string) => Buffer.from(`GET ${path} HTTP/1.1\r\nhost: tide\r\n\r\n`);

  it('serves each request as from the caller the PROXY header names, keep-alive included', async () => {
    const header = proxyV2Header({ address: '203.0.113.9', port: 51_000 }, { address: '127.0.0.1', port: 8080 });
    const answer = await exchange(Buffer.concat([header, get('/one'), get('/two')]));
    expect(answer).toContain('203.0.113.9 51000 /one');
    expect(answer).toContain('203.0.113.9 51000 /two');
  });

  it('takes a header that arrives in pieces', async () => {
    const header = proxyV2Header({ address: '198.51.100.4', port: 1234 }, { address: '127.0.0.1', port: 8080 });
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = createConnection(proxied.path, () => {
        socket.write(header.subarray(0, 7));
        setImmediate(() => socket.write(Buffer.concat([header.subarray(7), get('/split')])));
      });
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString();
        if (text.includes('/split')) socket.end();
      });
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toContain('198.51.100.4 1234 /split');
  });

  it('closes a connection that does not open with a PROXY header: only haproxy may name a caller here', async () => {
    expect(await exchange(get('/plain'))).toBe('');
  });
});
