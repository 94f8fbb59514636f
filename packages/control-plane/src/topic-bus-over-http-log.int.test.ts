import { createServer, request as httpRequest, type Server } from 'node:http';
import { openHttpLog } from '@tide/log';
import { makeTempDir } from '@tide/testkit/testing';
import { openLogTopicBus } from '@tide/topics';
import { topicBusContract } from '@tide/topics/testing';
import { request } from 'undici';
import { afterAll, beforeAll } from 'vitest';
import { startControlPlane, type RunningControlPlane } from './start-control-plane.js';

// The triggers process of one machine: the log bus over the control plane's log API (bus.* topics).
let dir: Awaited<ReturnType<typeof makeTempDir>>;
let controlPlane: RunningControlPlane;
let proxy: Server;
let proxyUrl: string;
beforeAll(async () => {
  dir = await makeTempDir();
  controlPlane = await startControlPlane({
    log: { source: { kind: 'embedded', dataDir: dir.path } },
    dataDir: dir.path,
    listen: { port: 0, host: '127.0.0.1' },
    nodeGraceSeconds: 30,
    report: () => undefined,
  });
  // The log API is for Tide's components: this one speaks as a triggers process, with its token.
  const created = await request(`${controlPlane.url}/apis/tide.dev/v1/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${controlPlane.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'tide.dev/v1', kind: 'Token', metadata: { name: 'triggers' }, spec: { subject: { kind: 'triggers' } } }),
  });
  const { token } = (await created.body.json()) as { token: string };
  proxy = await withBearer(controlPlane.url!, token);
  const address = proxy.address() as { port: number };
  proxyUrl = `http://127.0.0.1:${address.port}`;
}, 30_000);
afterAll(async () => {
  proxy?.closeAllConnections();
  proxy?.close();
  await controlPlane?.stop();
  await dir?.remove();
});

/** Forwards every request to `target` with the token (the HTTP log client sends none of its own yet). */
function withBearer(target: string, token: string): Promise<Server> {
  const server = createServer((req, res) => {
    const upstream = httpRequest(`${target}${req.url}`, { method: req.method, headers: { ...req.headers, authorization: `Bearer ${token}` } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

topicBusContract('HTTP log of a control plane on the embedded log', async () => {
  const log = openHttpLog(proxyUrl);
  return { bus: openLogTopicBus(log), cleanup: () => log.close() };
});
