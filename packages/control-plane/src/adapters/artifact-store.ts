import { createHash, randomUUID } from 'node:crypto';
import { chmod, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** An artifact as stored: its size, when it was stored (for the GC's grace) and who uploaded it. */
export interface StoredArtifact {
  digest: string;
  size: number;
  /** Epoch ms of the last upload (or replication) of these bytes. */
  storedAt: number;
  /** The namespaces it was uploaded for: the ones whose artifact quota it counts against. */
  namespaces: string[];
}

export interface ArtifactStore {
  /**
   * Stores bytes content-addressed, for `namespace` (counted against its quota); rejects with
   * ArtifactTooLargeError past `maxBytes`, and with ArtifactQuotaError when bytes the namespace does
   * not already hold would take its artifacts past `quotaBytes`.
   */
  put(body: AsyncIterable<Uint8Array>, maxBytes: number, options?: { namespace?: string; quotaBytes?: number }): Promise<{ digest: string; size: number }>;
  has(digest: string): Promise<boolean>;
  /** Absolute path of the stored artifact file (a bundled ES module), unchecked. */
  pathOf(digest: string): string;
  /** The file's path once its bytes are checked against the digest; rejects with ArtifactCorruptError. */
  verifiedPath(digest: string): Promise<string>;
  /** The artifact's bytes, checked against the digest; rejects with ArtifactCorruptError. */
  read(digest: string): Promise<Buffer>;
  list(): Promise<StoredArtifact[]>;
  /** Deletes an artifact (unless stored at or after `storedBefore`); true if a file was deleted. */
  remove(digest: string, options?: { storedBefore?: number }): Promise<boolean>;
  /** Bytes of the distinct artifacts stored for a namespace (what its maxArtifactBytes quota bounds). */
  bytesOf(namespace: string): Promise<number>;
}

export class ArtifactTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`artifact exceeds the limit of ${maxBytes} bytes`);
    this.name = 'ArtifactTooLargeError';
  }
}

/** A stored file whose bytes no longer hash to its name: it is never served nor run. */
export class ArtifactCorruptError extends Error {
  constructor(
    readonly digest: string,
    readonly actual: string,
    file: string,
  ) {
    super(`artifact ${digest} in ${file} does not match its digest (its bytes hash to ${actual}): refusing to serve or run it`);
    this.name = 'ArtifactCorruptError';
  }
}

export class ArtifactQuotaError extends Error {
  constructor(
    readonly namespace: string,
    readonly quotaBytes: number,
    readonly usedBytes: number,
    readonly size: number,
  ) {
    super(
      `exceeded quota: namespace ${namespace} quota maxArtifactBytes ${quotaBytes} would be exceeded (${usedBytes} bytes of artifacts stored, ${size} bytes uploaded)`,
    );
    this.name = 'ArtifactQuotaError';
  }
}

const DIGEST = /^sha256:([a-f0-9]{64})$/;
const ARTIFACT_FILE = /^([a-f0-9]{64})\.mjs$/;
/** Artifacts are never written after they are stored; directories are writable by their owner only. */
const FILE_MODE = 0o444;
const DIR_MODE = 0o755;

/**
 * What changes whenever a file's bytes change: an overwrite in place moves its ctime (which, unlike
 * mtime, no caller can set back), a replacement its inode. Nanoseconds, so a write within the same
 * millisecond as the check still shows.
 */
async function signatureOf(file: string): Promise<string | undefined> {
  const info = await stat(file, { bigint: true }).catch(() => undefined);
  return info?.isFile() ? `${info.dev}:${info.ino}:${info.size}:${info.ctimeNs}:${info.mtimeNs}` : undefined;
}

const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/**
 * Artifacts as files named by their sha256, written to a temp file and renamed into place, 0444 in
 * a 0755 directory. Uploads are recorded per namespace as empty marker files under namespaces/.
 * Every read checks the bytes against the name, so a file changed on disk is refused; a path handed
 * out (to a node on the same machine) is hashed again whenever the file's signature moved.
 */
export async function openArtifactStore(dir: string): Promise<ArtifactStore> {
  await mkdir(join(dir, 'tmp'), { recursive: true, mode: DIR_MODE });
  await mkdir(join(dir, 'namespaces'), { recursive: true, mode: DIR_MODE });
  await chmod(dir, DIR_MODE);
  const hexOf = (digest: string) => {
    const match = DIGEST.exec(digest);
    if (!match) throw new Error(`not an artifact digest: ${digest}`);
    return match[1]!;
  };
  const pathOf = (digest: string) => join(dir, `${hexOf(digest)}.mjs`);
  const markersOf = (namespace: string) => join(dir, 'namespaces', namespace);
  let committing: Promise<void> = Promise.resolve();
  // The signature each file had when its bytes last hashed to its name.
  const verified = new Map<string, string>();

  const read = async (digest: string): Promise<Buffer> => {
    const file = pathOf(digest);
    const bytes = await readFile(file);
    const actual = sha256(bytes);
    if (actual !== digest) throw new ArtifactCorruptError(digest, actual, file);
    return bytes;
  };

  const namespacesOf = async (): Promise<Map<string, string[]>> => {
    const byHex = new Map<string, string[]>();
    for (const namespace of await readdir(join(dir, 'namespaces')).catch(() => [])) {
      for (const hex of await readdir(markersOf(namespace)).catch(() => [])) byHex.set(hex, [...(byHex.get(hex) ?? []), namespace]);
    }
    return byHex;
  };

  const bytesOf = async (namespace: string): Promise<number> => {
    let bytes = 0;
    for (const hex of await readdir(markersOf(namespace)).catch(() => [])) {
      const info = ARTIFACT_FILE.test(`${hex}.mjs`) ? await stat(join(dir, `${hex}.mjs`)).catch(() => undefined) : undefined;
      bytes += info?.size ?? 0;
    }
    return bytes;
  };

  return {
    pathOf,
    read,
    async has(digest) {
      return stat(pathOf(digest)).then(
        () => true,
        () => false,
      );
    },
    async verifiedPath(digest) {
      const file = pathOf(digest);
      const signature = await signatureOf(file);
      if (signature !== undefined && verified.get(digest) === signature) return file;
      await read(digest);
      if (signature !== undefined) verified.set(digest, signature);
      return file;
    },
    async put(body, maxBytes, options = {}) {
      const tmp = join(dir, 'tmp', randomUUID());
      const file = await open(tmp, 'w', FILE_MODE);
      const hash = createHash('sha256');
      let size = 0;
      try {
        for await (const chunk of body) {
          size += chunk.byteLength;
          if (size > maxBytes) throw new ArtifactTooLargeError(maxBytes);
          hash.update(chunk);
          await file.write(chunk);
        }
        await file.sync();
      } catch (error) {
        await file.close();
        await rm(tmp, { force: true });
        throw error;
      }
      await file.close();
      const digest = `sha256:${hash.digest('hex')}`;
      // Checked and stored one upload at a time: two uploads racing must not both fit a quota with room for one.
      const commit = committing.then(async () => {
        if (options.namespace !== undefined && options.quotaBytes !== undefined) {
          const owned = await stat(join(markersOf(options.namespace), hexOf(digest))).then(
            () => true,
            () => false,
          );
          const used = owned ? 0 : await bytesOf(options.namespace);
          if (!owned && used + size > options.quotaBytes) {
            await rm(tmp, { force: true });
            throw new ArtifactQuotaError(options.namespace, options.quotaBytes, used, size);
          }
        }
        if (options.namespace !== undefined) {
          // Marked first: a GC pass between the rename and the marker must not find it unowned and old.
          await mkdir(markersOf(options.namespace), { recursive: true, mode: DIR_MODE });
          await writeFile(join(markersOf(options.namespace), hexOf(digest)), '');
        }
        // Replaces a tampered copy too, and refreshes the stored time (the GC's grace starts again).
        await rename(tmp, pathOf(digest));
      });
      committing = commit.catch(() => undefined);
      await commit;
      return { digest, size };
    },
    async list() {
      const owners = await namespacesOf();
      const found = await Promise.all(
        (await readdir(dir)).map(async (name) => {
          const hex = ARTIFACT_FILE.exec(name)?.[1];
          if (!hex) return undefined;
          const info = await stat(join(dir, name)).catch(() => undefined);
          if (!info?.isFile()) return undefined;
          return { digest: `sha256:${hex}`, size: info.size, storedAt: info.mtimeMs, namespaces: owners.get(hex) ?? [] };
        }),
      );
      return found.filter((a) => a !== undefined);
    },
    async remove(digest, options = {}) {
      const hex = hexOf(digest);
      // In the uploads' queue: an upload of the same bytes that lands first refreshes the stored time and keeps it.
      const removal = committing.then(async () => {
        const info = await stat(pathOf(digest)).catch(() => undefined);
        if (info && options.storedBefore !== undefined && info.mtimeMs >= options.storedBefore) return false;
        verified.delete(digest);
        await rm(pathOf(digest), { force: true });
        for (const namespace of await readdir(join(dir, 'namespaces')).catch(() => [])) await rm(join(markersOf(namespace), hex), { force: true });
        return info !== undefined;
      });
      committing = removal.then(
        () => undefined,
        () => undefined,
      );
      return removal;
    },
    bytesOf,
  };
}
