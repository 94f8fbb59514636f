import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, readFile, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { makeTempDir } from '@tide/testkit/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createArtifactCache, type ArtifactCache } from './artifact-cache.js';

interface Artifact {
  digest: string;
  hex: string;
  bytes: Buffer;
}

function artifact(name: string, size = 100): Artifact {
  const bytes = Buffer.from(`export default ${JSON.stringify(name)};\n//`.padEnd(size, '.'));
  const hex = createHash('sha256').update(bytes).digest('hex');
  return { digest: `sha256:${hex}`, hex, bytes };
}

const A = artifact('a');
const B = artifact('b');
const C = artifact('c');
const BIG = artifact('big', 1000);
// The server answers this digest with bytes that hash to something else.
const FORGED = { ...artifact('forged'), bytes: Buffer.from('export default "tampered";') };

/** A control plane serving artifacts by digest, counting the requests for each. */
async function startServer(artifacts: Artifact[]): Promise<{ url: string; requests: Map<string, number>; close(): Promise<void> }> {
  const byDigest = new Map(artifacts.map((a) => [a.digest, a.bytes]));
  const requests = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const digest = /^\/apis\/tide\.dev\/v1\/artifacts\/(sha256:[a-f0-9]{64})$/.exec(req.url ?? '')?.[1];
    if (digest) requests.set(digest, (requests.get(digest) ?? 0) + 1);
    const bytes = digest && byDigest.get(digest);
    if (!bytes) return void res.writeHead(404).end(`no artifact at ${req.url}`);
    res.writeHead(200, { 'content-type': 'text/javascript' }).end(bytes);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Every wait is bounded, and says what it was waiting for when it times out. */
async function within<T>(promise: Promise<T>, what: string, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const pathOf = (cache: ArtifactCache, a: Artifact) => within(cache.path(a.digest), `path(${a.digest})`);

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let server: Awaited<ReturnType<typeof startServer>>;
let dir: string;

beforeEach(async () => {
  temp = await makeTempDir('tide-artifact-cache-');
  dir = join(temp.path, 'artifacts');
  server = await startServer([A, B, C, BIG, FORGED]);
});
afterEach(async () => {
  await server.close();
  await temp.remove();
});

describe('artifact cache', () => {
  it('fetches an artifact once: its path holds the bytes, and asking again does not re-download', async () => {
    const cache = createArtifactCache(dir, server.url);
    const [first, concurrent] = await Promise.all([pathOf(cache, A), pathOf(cache, A)]);
    expect(concurrent).toBe(first);
    expect(await readFile(first)).toEqual(A.bytes);
    expect(await pathOf(cache, A)).toBe(first);
    expect(server.requests.get(A.digest)).toBe(1);
    expect(cache.stats()).toEqual({ entries: 1, bytes: A.bytes.length, maxBytes: 1024 ** 3 });
  });

  it('evicts the least recently used artifact once the bound is reached, keeping the one just used', async () => {
    const evicted: [string, number][] = [];
    const cache = createArtifactCache(dir, server.url, { maxBytes: 250, onEvict: (digest, bytes) => evicted.push([digest, bytes]) });
    const a = await pathOf(cache, A);
    const b = await pathOf(cache, B);
    await pathOf(cache, A); // A is now the more recently used of the two
    const c = await pathOf(cache, C);

    expect(existsSync(b)).toBe(false);
    expect(evicted).toEqual([[B.digest, B.bytes.length]]);
    expect(await readFile(a)).toEqual(A.bytes);
    expect(await readFile(c)).toEqual(C.bytes);
    expect(cache.stats()).toEqual({ entries: 2, bytes: 200, maxBytes: 250 });

    // Asking for B again fetches it anew; A, last used before C was fetched, is now the one to go.
    await pathOf(cache, B);
    expect(server.requests.get(B.digest)).toBe(2);
    expect(evicted.map(([digest]) => digest)).toEqual([B.digest, A.digest]);
    expect(existsSync(a)).toBe(false);
  });

  it('refuses an artifact whose bytes do not match its digest, naming the digest', async () => {
    const cache = createArtifactCache(dir, server.url);
    await expect(pathOf(cache, FORGED)).rejects.toThrow(`artifact ${FORGED.digest} from ${server.url}/apis/tide.dev/v1/artifacts/${FORGED.digest} has digest`);
    expect(existsSync(join(dir, `${FORGED.hex}.mjs`))).toBe(false);
    expect(cache.stats().entries).toBe(0);
  });

  it('says which servers failed when none serves the artifact', async () => {
    const cache = createArtifactCache(dir, server.url);
    const missing = artifact('missing');
    await expect(pathOf(cache, missing)).rejects.toThrow(
      `fetching artifact ${missing.digest} failed: ${server.url}/apis/tide.dev/v1/artifacts/${missing.digest}: 404`,
    );
  });

  it('adopts the files of a previous run without downloading them, trimming them to the bound', async () => {
    const first = createArtifactCache(dir, server.url);
    for (const a of [A, B, C]) await pathOf(first, a);
    // Download order is A, B, C; mtimes say so unambiguously whatever the file system's resolution.
    for (const [i, a] of [A, B, C].entries()) await utimes(join(dir, `${a.hex}.mjs`), 1_000 + i, 1_000 + i);
    await writeFile(join(dir, '.interrupted-download.tmp'), 'partial');

    const evicted: string[] = [];
    const restarted = createArtifactCache(dir, server.url, { maxBytes: 250, onEvict: (digest) => evicted.push(digest) });
    expect(await readFile(await pathOf(restarted, C))).toEqual(C.bytes);
    expect(await readFile(await pathOf(restarted, B))).toEqual(B.bytes);

    for (const a of [A, B, C]) expect(server.requests.get(a.digest)).toBe(1);
    expect(evicted).toEqual([A.digest]);
    expect((await readdir(dir)).sort()).toEqual([`${B.hex}.mjs`, `${C.hex}.mjs`].sort());
    expect(restarted.stats()).toEqual({ entries: 2, bytes: 200, maxBytes: 250 });
  });

  it('fetches from the next server in the list when the first is down', async () => {
    const down = await startServer([]);
    await down.close();
    const cache = createArtifactCache(dir, `${down.url}, ${server.url}/`);
    expect(await readFile(await pathOf(cache, A))).toEqual(A.bytes);
    expect(server.requests.get(A.digest)).toBe(1);
  });

  it('still serves an artifact larger than the whole bound, keeping it only until the next one is stored', async () => {
    const errors: Error[] = [];
    const cache = createArtifactCache(dir, server.url, { maxBytes: 250, onError: (error) => errors.push(error) });
    const big = await pathOf(cache, BIG);
    expect(await readFile(big)).toEqual(BIG.bytes);
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining(`artifact ${BIG.digest} (1000 bytes) is too large for the artifact cache`)]);
    expect(await pathOf(cache, BIG)).toBe(big);
    expect(server.requests.get(BIG.digest)).toBe(1);
    expect(cache.stats()).toEqual({ entries: 0, bytes: 0, maxBytes: 250 });

    await pathOf(cache, A);
    expect(existsSync(big)).toBe(false);
    expect(cache.stats()).toEqual({ entries: 1, bytes: 100, maxBytes: 250 });
  });

  /** What an attacker with write access does: same length, mtime set back, so only the bytes differ. */
  async function tamper(file: string, bytes: Buffer): Promise<void> {
    const before = await stat(file);
    await chmod(file, 0o644);
    await writeFile(file, Buffer.from('export default "tampered";').subarray(0, bytes.length).toString().padEnd(bytes.length, ' '));
    await chmod(file, 0o444);
    await utimes(file, before.atime, before.mtime);
  }

  it('refuses a file overwritten on disk after it was stored: says so, removes it and fetches the artifact again', async () => {
    const errors: Error[] = [];
    const cache = createArtifactCache(dir, server.url, { onError: (error) => errors.push(error) });
    const file = await pathOf(cache, A);
    await tamper(file, A.bytes);

    expect(await pathOf(cache, A)).toBe(file);
    expect(await readFile(file)).toEqual(A.bytes);
    expect(server.requests.get(A.digest)).toBe(2);
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining(`artifact ${A.digest} in ${file} was changed on disk`)]);
  });

  it('refuses a tampered file left by a previous run, fetching the artifact again', async () => {
    const file = await pathOf(createArtifactCache(dir, server.url), A);
    await tamper(file, A.bytes);
    const restarted = createArtifactCache(dir, server.url);
    expect(await readFile(await pathOf(restarted, A))).toEqual(A.bytes);
    expect(server.requests.get(A.digest)).toBe(2);
  });

  it('never hands out a tampered file when the server cannot serve a good copy', async () => {
    const cache = createArtifactCache(dir, server.url);
    const file = await pathOf(cache, A);
    await tamper(file, A.bytes);
    await server.close();
    await expect(pathOf(cache, A)).rejects.toThrow(`fetching artifact ${A.digest} failed`);
    expect(existsSync(file)).toBe(false);
  });

  it('stores artifacts read-only (0444) in a directory that only its owner may write', async () => {
    const file = await pathOf(createArtifactCache(dir, server.url), A);
    expect((await stat(file)).mode & 0o777).toBe(0o444);
    expect((await stat(dir)).mode & 0o022).toBe(0);
  });
});
