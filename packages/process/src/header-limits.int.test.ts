import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { HEADER_LIMITS } from './header-limits.js';
import { listen } from './listen.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** Sends raw request bytes and returns everything the server answered before closing. */
async function rawRequest(request: string): Promise<string> {
  server = await listen((_req, res) => res.end('handled'), 0, '127.0.0.1');
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(request));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('header limits on every Tide server', () => {
  it('answers 431 with a message naming the byte limit when headers are too large', async () => {
    const answer = await rawRequest(`GET / HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(HEADER_LIMITS.maxHeaderBytes + 1)}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1.1 431 /);
    expect(answer).toContain(`{"error":"request headers exceed ${HEADER_LIMITS.maxHeaderBytes} bytes (the limit)"}`);
  });

  it('answers 431 naming the count limit when there are too many header fields, rather than dropping some', async () => {
    const headers = Array.from({ length: HEADER_LIMITS.maxHeaderCount + 1 }, (_, i) => `x-h${i}: v\r\n`).join('');
    const answer = await rawRequest(`GET / HTTP/1.1\r\nhost: x\r\n${headers}\r\n`);
    expect(answer).toMatch(/^HTTP\/1.1 431 /);
    expect(answer).toContain(`more than ${HEADER_LIMITS.maxHeaderCount} header fields (the limit)`);
  });

  it('serves a request at the count limit', async () => {
    const headers = Array.from({ length: HEADER_LIMITS.maxHeaderCount - 2 }, (_, i) => `x-h${i}: v\r\n`).join('');
    const answer = await rawRequest(`GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n${headers}\r\n`);
    expect(answer).toMatch(/^HTTP\/1.1 200 /);
    expect(answer).toContain('handled');
  });
});
