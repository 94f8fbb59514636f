import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeHttp } from './http-probe.js';

let server: Server;
let endpoint: string;
const seen: Array<{ path: string; userAgent: string | undefined }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', userAgent: req.headers['user-agent'] });
    if (req.url === '/hang') return; // never answers
    const status = Number(req.url?.slice(1)) || 200;
    res.writeHead(status, status === 302 ? { location: '/elsewhere' } : {}).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('probeHttp', () => {
  it.each([
    ['passes on 200', '/200', { ok: true }],
    ['passes on 204', '/204', { ok: true }],
    ['passes on a redirect without following it', '/302', { ok: true }],
    ['fails on 404', '/404', { ok: false, why: 'HTTP 404' }],
    ['fails on 500', '/500', { ok: false, why: 'HTTP 500' }],
  ])('%s', async (_title, path, outcome) => {
    expect(await probeHttp(endpoint, path, 1_000)).toEqual(outcome);
  });

  it('fails when the answer does not come within the timeout', async () => {
    expect(await probeHttp(endpoint, '/hang', 200)).toEqual({ ok: false, why: 'timeout after 0.2s' });
  });

  it('fails when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await probeHttp(`http://127.0.0.1:${port}`, '/healthz', 1_000)).toEqual({ ok: false, why: 'connection refused' });
  });

  it('GETs the path with its query and says it is a probe', async () => {
    await probeHttp(endpoint, '/200?deep=1', 1_000);
    expect(seen.at(-1)).toEqual({ path: '/200?deep=1', userAgent: 'tide-probe/1' });
  });

  it('keeps a path that looks like another host on the pod', async () => {
    expect(await probeHttp(endpoint, '//example.com/204', 1_000)).toEqual({ ok: true });
    expect(seen.at(-1)?.path).toBe('//example.com/204');
  });
});
