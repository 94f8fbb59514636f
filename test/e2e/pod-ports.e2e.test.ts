import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { makeTempDir } from '@tide/testkit/testing';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runCli, startTide, stopTide, type StartedTide } from '../support/tide-process.js';

/**
 * A sandboxed pod may connect to no port of its machine but the gateway's, unless the operator opens
 * one (`--allow-pod-port`, a local database's say). Where this machine cannot sandbox, the network
 * guard is not there to test and the test says so.
 */
const FETCHER = `export default {
  async fetch(request) {
    const port = new URL(request.url).searchParams.get('port');
    try {
      const res = await fetch('http://127.0.0.1:' + port + '/', { signal: AbortSignal.timeout(5000) });
      return new Response('reached: ' + (await res.text()));
    } catch (error) {
      return new Response('refused: ' + (error.cause?.code ?? error.message));
    }
  },
};
`;

let dir: Awaited<ReturnType<typeof makeTempDir>>;
let tide: StartedTide | undefined;
const servers: Server[] = [];
const ports = { allowed: 0, closed: 0 };
let sandboxed = false;

async function localServer(answer: string): Promise<number> {
  const server = createServer((_req, res) => res.end(answer));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

async function reach(port: number): Promise<string> {
  const res = await request(`${tide!.url}/fn/default/fetcher?port=${port}`, { headersTimeout: 30_000 });
  return res.body.text();
}

beforeAll(async () => {
  dir = await makeTempDir('tide-pod-ports-');
  ports.allowed = await localServer('the allowed one');
  ports.closed = await localServer('the closed one');
  tide = await startTide({ dataDir: join(dir.path, 'data'), port: await freePort(), args: ['--allow-pod-port', String(ports.allowed)], timeoutMs: 60_000 });
  sandboxed = /pods run sandboxed \(bwrap\)/.test(tide.output()) && !/pods' network is NOT guarded/.test(tide.output());
  await mkdir(join(dir.path, 'fetcher'));
  await writeFile(join(dir.path, 'fetcher', 'index.mjs'), FETCHER);
  const deployed = await runCli(['deploy', join(dir.path, 'fetcher')], { server: tide.url, timeoutMs: 90_000 });
  expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await stopTide(tide);
  for (const server of servers) server.close();
  await dir?.remove();
}, 60_000);

describe('ports of the machine a sandboxed pod may reach', () => {
  it('reaches a port given with --allow-pod-port, and no other', async (context) => {
    if (!sandboxed) return context.skip(`pods are not sandboxed here, or their network is not guarded:\n${tide!.output()}`);
    expect(await reach(ports.allowed)).toBe('reached: the allowed one');
    expect(await reach(ports.closed)).toMatch(/^refused: /);
  });

  it('refuses a port that is not one, naming the flag', async () => {
    const result = await runCli(['up', '--allow-pod-port', '70000', '--port', String(await freePort())], { server: 'http://127.0.0.1:1' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--allow-pod-port 70000: must be a port, 1 to 65535/);
  });
});
