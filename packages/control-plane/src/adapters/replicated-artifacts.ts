import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { followTopic } from '@tide/core';
import type { ArtifactStore } from './artifact-store.js';

export const ARTIFACTS_TOPIC = 'tide.artifacts';
/** Kafka's default message limit is 1 MB: artifacts travel in chunks well under it. */
const CHUNK_BYTES = 512 * 1024;
/** A namespace's name (a DNS label): it names a directory of the store. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

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
      const namespace = record.headers.namespace;
      const options = namespace !== undefined && DNS_LABEL.test(namespace) ? { namespace } : {};
      // A local copy changed on disk is replaced by the log's, which is checked below.
      if (await local.has(digest)) {
        const intact = await local.read(digest).then(
          () => true,
          (error: Error) => (onError?.(error), false),
        );
        if (intact && options.namespace === undefined) return;
      }
      const bytes = Buffer.concat(chunks);
      if (`sha256:${createHash('sha256').update(bytes).digest('hex')}` !== digest) {
        onError?.(new Error(`artifact ${digest} from ${ARTIFACTS_TOPIC} does not match its digest: skipped`));
        return;
      }
      await local.put(Readable.from([bytes]), Number.MAX_SAFE_INTEGER, options);
    },
    ...(onError ? { onError } : {}),
  });
  return {
    ...local,
    async put(body, maxBytes, options = {}) {
      const stored = await local.put(body, maxBytes, options);
      // Read back checked: what other control planes store must be what was uploaded.
      const bytes = await local.read(stored.digest);
      const chunks = Math.max(1, Math.ceil(bytes.length / CHUNK_BYTES));
      const namespace: Record<string, string> = options.namespace === undefined ? {} : { namespace: options.namespace };
      const records = Array.from({ length: chunks }, (_, i) => ({
        key: stored.digest,
        value: bytes.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES),
        headers: { chunk: String(i), chunks: String(chunks), ...namespace },
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
