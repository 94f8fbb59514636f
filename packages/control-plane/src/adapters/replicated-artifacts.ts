import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { followTopic } from '@tide/core';
import type { ArtifactStore } from './artifact-store.js';

export const ARTIFACTS_TOPIC = 'tide.artifacts';
/** Kafka's default message limit is 1 MB: artifacts travel in chunks well under it. */
const CHUNK_BYTES = 512 * 1024;

interface ArtifactLog {
  append(topic: string, records: readonly { value: Uint8Array; key?: string; headers?: Record<string, string> }[]): Promise<number[]>;
  read(
    topic: string,
    fromOffset: number,
    options?: { follow?: boolean; signal?: AbortSignal },
  ): AsyncIterable<{ offset: number; value: Uint8Array; key: string | null; headers: Record<string, string> }>;
}

/**
 * Artifacts shared by every control plane through the log: an upload is stored locally and appended
 * to tide.artifacts in chunks; every control plane follows that topic and stores what it lacks, so
 * a node may fetch from any of them. On one machine (the embedded log) it costs one extra copy.
 */
export async function replicateArtifacts(
  local: ArtifactStore,
  log: ArtifactLog,
  onError?: (error: Error) => void,
): Promise<ArtifactStore & { close(): Promise<void> }> {
  const abort = new AbortController();
  const partial = new Map<string, Uint8Array[]>();
  const following = followTopic(log, ARTIFACTS_TOPIC, {
    name: 'artifact replication',
    from: 0,
    signal: abort.signal,
    onRewound: () => partial.clear(),
    async onRecord(record) {
      const digest = record.key ?? '';
      const index = Number(record.headers.chunk ?? 0);
      const count = Number(record.headers.chunks ?? 1);
      if (index === 0) partial.set(digest, []);
      const chunks = partial.get(digest);
      if (!chunks) return;
      chunks.push(new Uint8Array(record.value));
      if (chunks.length < count) return;
      partial.delete(digest);
      if (await local.has(digest)) return;
      const bytes = Buffer.concat(chunks);
      if (`sha256:${createHash('sha256').update(bytes).digest('hex')}` !== digest) {
        onError?.(new Error(`artifact ${digest} from ${ARTIFACTS_TOPIC} does not match its digest: skipped`));
        return;
      }
      await local.put(Readable.from([bytes]), Number.MAX_SAFE_INTEGER);
    },
    ...(onError ? { onError } : {}),
  });
  return {
    ...local,
    async put(body, maxBytes) {
      const stored = await local.put(body, maxBytes);
      const bytes = await readAll(local.open(stored.digest));
      const chunks = Math.max(1, Math.ceil(bytes.length / CHUNK_BYTES));
      const records = Array.from({ length: chunks }, (_, i) => ({
        key: stored.digest,
        value: bytes.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES),
        headers: { chunk: String(i), chunks: String(chunks) },
      }));
      await log.append(ARTIFACTS_TOPIC, records);
      return stored;
    },
    async close() {
      abort.abort();
      await following;
    },
  };
}

async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of stream) parts.push(part);
  return Buffer.concat(parts);
}
