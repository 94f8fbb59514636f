import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { get } from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { request, WebSocket } from 'undici';
import { makeTempDir, waitFor } from '@tide/testkit/testing';
import { freePort, repoRoot, runCli, startTide, stopTide, type StartedTide } from '../support/tide-process.js';

/**
 * The gateway's edge in `tide up`: functions by Host (`<name>.<namespace>.localhost`, as Knative),
 * WebSockets through to a Workers app (also from zero pods), and answers the gateway gives itself
 * that `tide invoke` tells from a function's.
 */
const WS_ECHO = join(repoRoot, 'test/fixtures/functions/websocket-echo');
const CURL = '/usr/bin/curl';

let dir: Awaited<ReturnType<typeof makeTempDir>>;
let tide: StartedTide;
let port: number;

beforeAll(async () => {
  dir = await makeTempDir('tide-gateway-edge-');
  port = await freePort();
  tide = await startTide({ dataDir: dir.path, port });
  for (const args of [
    [join(repoRoot, 'functions/hello')],
    [WS_ECHO, '--name', 'wsecho'],
    [WS_ECHO, '--name', 'wscold', '--min', '0', '--scale-to-zero-after', '2'],
  ]) {
    const deployed = await runCli(['deploy', ...args], { server: tide.url });
    expect(deployed.code, deployed.stderr).toBe(0);
  }
}, 120_000);

afterAll(async () => {
  await stopTide(tide);
  await dir?.remove();
});

/** A request to tide up's port with the Host header a browser or curl would send for `host`. */
const callHost = async (host: string, path = '/') => {
  const res = await request(`${tide.url}${path}`, { headers: { host: `${host}:${port}` } });
  return { status: res.statusCode, text: await res.body.text(), headers: res.headers };
};

describe('host routes: <name>.<namespace>.localhost on the API port', () => {
  it('sends the whole path to the function, strips no prefix, and leaves other hosts to the API', async () => {
    expect(await callHost('hello.default.localhost')).toMatchObject({ status: 200, text: 'Hello, world!\n' });
    expect(await callHost('wsecho.default.localhost', '/api/items?x=1')).toMatchObject({ status: 200, text: 'path=/api/items prefix=' });
    expect((await callHost('wsecho.default.localhost', '/fn/default/hello')).text).toBe('path=/fn/default/hello prefix=');
    // The API still answers at its own host on the same port.
    expect((await request(`${tide.url}/apis/tide.dev/v1/namespaces/default/functions/hello`, { headers: tide.headers })).statusCode).toBe(200);
    const missing = await callHost('missing.default.localhost');
    expect(missing.status).toBe(404);
    expect(missing.headers['tide-error']).toBe('gateway');
  });

  // Skipped where there is no curl: it is the client this route is for, not a dependency of Tide.
  it.skipIf(!existsSync(CURL))('answers curl, which resolves *.localhost itself', async () => {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(CURL, ['-sS', `http://hello.default.localhost:${port}/`], { timeout: 30_000 }, (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}: ${stderr}`)) : resolve(stdout),
      ),
    );
    expect(out).toBe('Hello, world!\n');
  });

  it('refuses a --domain that is not a DNS name, naming it', async () => {
    const result = await runCli(['up', '--domain', 'not a domain', '--port', '0', '--data', join(dir.path, 'never')], { server: tide.url });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--domain "not a domain": must be a DNS name');
  });

  it('prints both URLs on deploy', async () => {
    const deployed = await runCli(['deploy', join(repoRoot, 'functions/hello')], { server: tide.url });
    expect(deployed.stdout).toContain(`${tide.url}/fn/default/hello and http://hello.default.localhost:${port}/`);
  });
});

/** Opens a WebSocket, sends `messages`, and resolves with what came back once the close handshake is done. */
function echoOver(url: string, messages: string[]): Promise<{ received: string[]; code: number; wasClean: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const received: string[] = [];
    socket.addEventListener('open', () => {
      for (const message of messages) socket.send(message);
    });
    socket.addEventListener('message', (event) => {
      received.push(String(event.data));
      if (received.length === messages.length) socket.close(1000, 'done');
    });
    socket.addEventListener('error', (event) => reject(new Error(`WebSocket to ${url} failed: ${(event as { message?: string }).message ?? 'error'}`)));
    socket.addEventListener('close', (event) => resolve({ received, code: event.code, wasClean: event.wasClean }));
  });
}

describe('WebSockets through the gateway to a Workers app', () => {
  it('echoes each message back and closes cleanly', async () => {
    const result = await echoOver(`${tide.url.replace('http', 'ws')}/fn/default/wsecho/`, ['one', 'two', 'three']);
    expect(result).toEqual({ received: ['one', 'two', 'three'], code: 1000, wasClean: true });
  });

  it('holds an upgrade while the function scales from zero, then tunnels it', async () => {
    const pods = async () =>
      (
        (await (await request(`${tide.url}/apis/tide.dev/v1/namespaces/default/pods`, { headers: tide.headers })).body.json()) as {
          items: { spec: { function: string } }[];
        }
      ).items.filter((p) => p.spec.function === 'wscold').length;
    await waitFor(async () => (await pods()) === 0, { what: 'wscold to scale to zero', timeoutMs: 60_000, intervalMs: 200 });
    const result = await echoOver(`${tide.url.replace('http', 'ws')}/fn/default/wscold/`, ['from zero']);
    expect(result).toEqual({ received: ['from zero'], code: 1000, wasClean: true });
  }, 90_000);
});

describe('upgrade requests that are for no function', () => {
  it('reach the API as plain requests (curl --http2 asks every request to upgrade to h2c)', async () => {
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = get(
        `${tide.url}/apis/tide.dev/v1/namespaces/default/functions/hello`,
        { headers: { ...tide.headers, connection: 'Upgrade, HTTP2-Settings', upgrade: 'h2c', 'http2-settings': '' } },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('upgrade', () => reject(new Error('the API switched protocols')));
      req.on('error', reject);
    });
    expect(status).toBe(200);
    expect(JSON.parse(body).metadata.name).toBe('hello');
  });
});

describe('answers the gateway gives itself', () => {
  it('tide invoke says the gateway found no such function, not that the function answered 404', async () => {
    const result = await runCli(['invoke', 'missing'], { server: tide.url });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the gateway answered 404, not the function: function default/missing not found');
    expect(result.stdout).toBe('');
  });

  it("a function's 404 stays the function's, even dressed in the gateway's header", async () => {
    const result = await runCli(['invoke', 'wsecho', '--path', '/nothing?pose-as-gateway'], { server: tide.url });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('function answered 404');
    expect(result.stdout).toBe('{"error":"not really the gateway"}');
  });
});
