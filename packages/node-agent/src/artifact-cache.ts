import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LRUCache } from 'lru-cache';
import { request } from 'undici';

const DIGEST = /^sha256:([a-f0-9]{64})$/;
const ARTIFACT_FILE = /^([a-f0-9]{64})\.mjs$/;
const TMP_FILE = /^\..*\.tmp$/;

export const DEFAULT_ARTIFACT_CACHE_BYTES = 1024 ** 3;

export interface ArtifactCacheOptions {
  /** Bytes of artifacts kept on disk (default 1 GiB); the least recently used go first. */
  maxBytes?: number;
  /** An artifact's file was removed to stay within maxBytes. */
  onEvict?: (digest: string, bytes: number) => void;
  /** Trouble the cache works around (a file it could not remove, an artifact too large to keep). */
  onError?: (error: Error) => void;
  /** The node's bearer token: control planes serve artifacts to nodes (and people) only. */
  token?: string;
}

export interface ArtifactCache {
  /** Local path of an artifact's module, fetched first where the node does not have it. */
  path(digest: string): Promise<string>;
  /** What the bound counts: an artifact too large for it is not included. */
  stats(): { entries: number; bytes: number; maxBytes: number };
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Artifact files are never written after they are stored; the directory is writable by its owner only. */
const FILE_MODE = 0o444;
const DIR_MODE = 0o755;

/**
 * What changes whenever a file's bytes change: an overwrite in place moves its ctime (which, unlike
 * mtime, no caller can set back), a replacement changes its inode. Nanoseconds, so a write in the
 * same millisecond as the check still shows.
 */
async function signatureOf(file: string): Promise<string | undefined> {
  const info = await stat(file, { bigint: true }).catch(() => undefined);
  return info?.isFile() ? `${info.dev}:${info.ino}:${info.size}:${info.ctimeNs}:${info.mtimeNs}` : undefined;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * A node's copy of the artifacts its pods run, fetched by digest from the control plane and kept
 * under its data directory; the digest is checked, so a corrupt download is never run. The copy is
 * bounded by size: the artifacts least recently asked for are deleted first.
 *
 * The file on disk is checked again before each use: every path() hashes a file whose signature
 * (inode, size, ctime, mtime) differs from the one it had when last hashed, so a file overwritten or
 * replaced behind the cache's back is refused, removed and fetched again. Files are stored 0444 in
 * a directory only its owner may write (a pod running as another user cannot replace them).
 */
export function createArtifactCache(dir: string, servers: string, options: ArtifactCacheOptions = {}): ArtifactCache {
  const maxBytes = options.maxBytes ?? DEFAULT_ARTIFACT_CACHE_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) throw new Error(`artifact cache in ${dir}: maxBytes must be a positive integer, not ${maxBytes}`);
  // Several control planes (comma-separated): any of them serves any artifact; try each in turn.
  const bases = servers
    .split(',')
    .map((s) => s.trim().replace(/\/+$/, ''))
    .filter(Boolean);
  const report = (error: Error) => options.onError?.(error);
  const fileOf = (hex: string) => join(dir, `${hex}.mjs`);
  // The signature each file had when its bytes were last hashed and matched its digest.
  const verified = new Map<string, string>();

  // Removals are chained and awaited before a file is renamed into place, so a late removal of an
  // evicted artifact can never delete its fresh re-download; path() also awaits them, so once it
  // resolves the evicted files are really gone from disk.
  let removals: Promise<void> = Promise.resolve();
  const remove = (hex: string, evictedBytes?: number) => {
    removals = removals.then(async () => {
      try {
        verified.delete(hex);
        await rm(fileOf(hex), { force: true });
        if (evictedBytes !== undefined) options.onEvict?.(`sha256:${hex}`, evictedBytes);
      } catch (error) {
        report(new Error(`evicting artifact sha256:${hex} from ${dir} failed: ${messageOf(error)}`));
      }
    });
  };

  // Keyed by hex digest, valued by byte length. 'set' only replaces an entry with the same file.
  const lru = new LRUCache<string, number>({
    maxSize: maxBytes,
    // lru-cache needs a positive size; an empty module still occupies a file.
    sizeCalculation: (bytes) => Math.max(1, bytes),
    dispose: (bytes, hex, reason) => {
      if (reason === 'evict') remove(hex, bytes);
      else if (reason === 'delete') remove(hex);
    },
  });

  // An artifact larger than the whole bound cannot enter the LRU, yet its pod must run. The simplest
  // correct answer is to keep just that one file outside the LRU until the next artifact is stored:
  // disk use then exceeds the bound by at most one artifact, and a pod that already started has
  // imported its module, so losing the file later only costs a re-download if the pod restarts.
  let oversized: string | undefined;

  // The files a previous run left are adopted oldest first (mtime is when each was downloaded), so a
  // restart neither re-downloads them nor leaks them past the bound. Lazy, because creation is
  // synchronous and callers do not await it.
  let adopted: Promise<void> | undefined;
  const adopt = async () => {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return;
      throw error;
    }
    const found = await Promise.all(
      names.map(async (name) => {
        if (TMP_FILE.test(name)) {
          // A download cut off when the previous run stopped.
          await rm(join(dir, name), { force: true });
          return undefined;
        }
        const hex = ARTIFACT_FILE.exec(name)?.[1];
        if (!hex) return undefined;
        // Not hashed here: path() hashes each before its first use (it has no verified signature yet).
        const info = await stat(join(dir, name)).catch(() => undefined);
        return info?.isFile() ? { hex, bytes: info.size, mtimeMs: info.mtimeMs } : undefined;
      }),
    );
    const files = found.filter((f) => f !== undefined).sort((a, b) => a.mtimeMs - b.mtimeMs);
    for (const { hex, bytes } of files) {
      if (bytes > maxBytes) remove(hex, bytes);
      else lru.set(hex, bytes);
    }
    await removals;
  };

  const download = async (digest: string, hex: string): Promise<string> => {
    const failures: string[] = [];
    let bytes: Buffer | undefined;
    let url = '';
    for (const base of bases) {
      url = `${base}/apis/tide.dev/v1/artifacts/${digest}`;
      try {
        const res = await request(url, options.token === undefined ? {} : { headers: { authorization: `Bearer ${options.token}` } });
        const body = Buffer.from(await res.body.arrayBuffer());
        if (res.statusCode === 200) {
          bytes = body;
          break;
        }
        failures.push(`${url}: ${res.statusCode} ${body.toString('utf8').slice(0, 200)}`);
      } catch (error) {
        failures.push(`${url}: ${(error as { code?: string }).code ?? messageOf(error)}`);
      }
    }
    if (!bytes) throw new Error(`fetching artifact ${digest} failed: ${failures.length ? failures.join('; ') : 'no server given'}`);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== hex) throw new Error(`artifact ${digest} from ${url} has digest sha256:${actual}: refusing to run it`);
    await mkdir(dir, { recursive: true, mode: DIR_MODE });
    await chmod(dir, DIR_MODE);
    const file = fileOf(hex);
    const tmp = join(dir, `.${randomUUID()}.tmp`);
    try {
      await writeFile(tmp, bytes, { mode: FILE_MODE });
      await removals;
      await rename(tmp, file);
    } finally {
      await rm(tmp, { force: true });
    }
    const signature = await signatureOf(file);
    if (signature) verified.set(hex, signature);
    if (oversized !== undefined && oversized !== hex) remove(oversized);
    oversized = undefined;
    if (bytes.length > maxBytes) {
      oversized = hex;
      report(
        new Error(
          `artifact ${digest} (${bytes.length} bytes) is too large for the artifact cache in ${dir} (${maxBytes} bytes): kept only until the next artifact is stored`,
        ),
      );
    } else {
      lru.set(hex, bytes.length);
    }
    await removals;
    return file;
  };

  const inFlight = new Map<string, Promise<string>>();
  const path = async (digest: string): Promise<string> => {
    const hex = DIGEST.exec(digest)?.[1];
    if (!hex) throw new Error(`not an artifact digest: ${digest}`);
    adopted ??= adopt().catch((error: unknown) => report(new Error(`adopting the artifacts already in ${dir} failed: ${messageOf(error)}`)));
    await adopted;
    // get() marks the artifact as used: the reconcile loop asks for every desired pod's artifact on
    // every pass, which keeps those of running pods from being evicted.
    if ((lru.get(hex) !== undefined || oversized === hex) && !inFlight.has(hex)) {
      const file = fileOf(hex);
      const signature = await signatureOf(file);
      if (signature !== undefined && verified.get(hex) === signature) return file;
      if (signature !== undefined) {
        const actual = await sha256Of(file).catch((error: unknown) => `unreadable (${messageOf(error)})`);
        if (actual === hex) {
          verified.set(hex, signature);
          return file;
        }
        report(new Error(`artifact ${digest} in ${file} was changed on disk (its bytes now hash to sha256:${actual}): refused, removed and fetched again`));
      }
      // Removed or changed behind the cache's back: forget it (which removes the file) and fetch it
      // again, unless a concurrent call already is (its fresh file must not be removed).
      if (!inFlight.has(hex)) {
        verified.delete(hex);
        if (oversized === hex) {
          remove(hex);
          oversized = undefined;
        } else lru.delete(hex);
        await removals;
      }
    }
    let pending = inFlight.get(hex);
    if (!pending) {
      pending = download(digest, hex).finally(() => inFlight.delete(hex));
      inFlight.set(hex, pending);
    }
    return pending;
  };

  return {
    path,
    stats: () => ({ entries: lru.size, bytes: lru.calculatedSize, maxBytes }),
  };
}
