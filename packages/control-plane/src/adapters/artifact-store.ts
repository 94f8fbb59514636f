import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

export interface ArtifactStore {
  /** Stores bytes content-addressed; rejects with ArtifactTooLargeError past `maxBytes`. */
  put(body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<{ digest: string; size: number }>;
  has(digest: string): Promise<boolean>;
  /** Absolute path of the stored artifact file (a bundled ES module). */
  pathOf(digest: string): string;
  open(digest: string): Readable;
}

export class ArtifactTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`artifact exceeds the limit of ${maxBytes} bytes`);
    this.name = 'ArtifactTooLargeError';
  }
}

const DIGEST = /^sha256:([a-f0-9]{64})$/;

/** Artifacts as files named by their sha256, written to a temp file and renamed into place. */
export async function openArtifactStore(dir: string): Promise<ArtifactStore> {
  await mkdir(join(dir, 'tmp'), { recursive: true });
  const pathOf = (digest: string) => {
    const match = DIGEST.exec(digest);
    if (!match) throw new Error(`not an artifact digest: ${digest}`);
    return join(dir, `${match[1]}.mjs`);
  };
  return {
    pathOf,
    async has(digest) {
      return stat(pathOf(digest)).then(
        () => true,
        () => false,
      );
    },
    open: (digest) => createReadStream(pathOf(digest)),
    async put(body, maxBytes) {
      const tmp = join(dir, 'tmp', randomUUID());
      const file = await open(tmp, 'w');
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
      await rename(tmp, pathOf(digest));
      return { digest, size };
    },
  };
}
