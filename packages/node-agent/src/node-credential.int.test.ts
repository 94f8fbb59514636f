import { createServer, type Server } from 'node:http';
import { readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { makeTempDir } from '@tide/testkit/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeCredential } from './node-credential.js';

const BOOTSTRAP = `tide_bootstrap_${'b'.repeat(64)}`;
const issued = (n: number) => `tide_node-n1_${String(n).repeat(64).slice(0, 64)}`;

/** A control plane as a node sees it: join with the bootstrap token, whoami for the tokens it knows. */
let server: Server;
let url: string;
let valid: Set<string>;
let joins: number;
let dir: Awaited<ReturnType<typeof makeTempDir>>;
const lines: string[] = [];

beforeEach(async () => {
  valid = new Set();
  joins = 0;
  lines.length = 0;
  dir = await makeTempDir('node-credential-');
  server = createServer((req, res) => {
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (req.method === 'POST' && req.url === '/apis/tide.dev/v1/nodes/n1/join') {
      if (token !== BOOTSTRAP) return void res.writeHead(401).end(JSON.stringify({ message: 'the bearer token is not valid' }));
      const fresh = issued(++joins);
      valid.clear();
      valid.add(fresh);
      return void res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ token: fresh }));
    }
    if (req.url === '/apis/tide.dev/v1/whoami') return void res.writeHead(valid.has(token) ? 200 : 401).end('{}');
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  await dir.remove();
});

const credential = (bootstrapToken?: string, node = 'n1') =>
  nodeCredential({ dataDir: join(dir.path, 'data'), node, servers: url, ...(bootstrapToken ? { bootstrapToken } : {}), report: (l) => lines.push(l) });

describe('nodeCredential', () => {
  it('joins once with the bootstrap token and keeps the credential, mode 0600; later starts use it alone', async () => {
    const first = await credential(BOOTSTRAP);
    expect(first).toBe(issued(1));
    const file = join(dir.path, 'data', 'node.token');
    expect((await readFile(file, 'utf8')).trim()).toBe(first);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await credential()).toBe(first);
    expect(joins).toBe(1);
  });

  it('says what it needs when it has no credential, and refuses a wrong bootstrap token', async () => {
    await expect(credential()).rejects.toThrow(/node n1 has no credential: give the cluster's bootstrap token/);
    await expect(credential(`tide_bootstrap_${'c'.repeat(64)}`)).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/could not join: .*401/),
    });
  });

  it("refuses to start under another node's credential", async () => {
    await mkdir(join(dir.path, 'data'), { recursive: true });
    await writeFile(join(dir.path, 'data', 'node.token'), `tide_node-n2_${'d'.repeat(64)}\n`);
    await expect(credential()).rejects.toThrow(/holds the credential of token node-n2, not one of node n1/);
  });

  it('joins again when its kept credential is refused (revoked) and it has the bootstrap token; says so when it has not', async () => {
    await credential(BOOTSTRAP);
    valid.clear(); // revoked, or a cluster that lost its log
    await expect(credential()).rejects.toThrow(/credential of node n1 .* is refused/);
    expect(await credential(BOOTSTRAP)).toBe(issued(2));
    expect(lines.join('\n')).toMatch(/is refused; joining again/);
  });

  it('keeps its credential when no control plane answers (it may be restarting)', async () => {
    await credential(BOOTSTRAP);
    await new Promise((resolve) => server.close(resolve));
    server = createServer();
    expect(await credential()).toBe(issued(1));
  });
});
