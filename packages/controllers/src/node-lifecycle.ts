import { decodeLease, followTopic, LEASES_TOPIC, type LeaderStamp, type StateStore } from '@tide/core';
import { readinessChanges } from './core/node-health.js';
import { leaseCounts } from './core/lease-writer.js';

/** Reading tide.leases: records carry their headers, which say who renewed (core/lease-writer.ts). */
export interface LeaseSource {
  read(
    topic: string,
    fromOffset: number,
    options?: { follow?: boolean; signal?: AbortSignal },
  ): AsyncIterable<{ offset: number; value: Uint8Array; headers?: Readonly<Record<string, string>> }>;
  endOffset(topic: string): Promise<number>;
}

/**
 * Watches node leases: a node that stops renewing for `graceMs` (nodeGraceSeconds, 10 s) becomes
 * NotReady and its pods are evicted to be rescheduled; the same incarnation renewing again makes it
 * Ready. Its own clock measures silence, so agents' clocks need not agree.
 */
export async function startNodeLifecycle(options: {
  store: StateStore;
  leases: LeaseSource;
  graceMs?: number;
  checkMs?: number;
  now?: () => number;
  onError?: (e: Error) => void;
  leader?: LeaderStamp;
}) {
  const now = options.now ?? Date.now;
  const graceMs = options.graceMs ?? 10_000;
  const startedAt = now();
  const lastSeen = new Map<string, { bootId: string; at: number }>();
  const abort = new AbortController();
  const following = followTopic(options.leases, LEASES_TOPIC, {
    name: 'node lifecycle',
    // Only renewals from now on count: silence is measured from this process's start.
    from: () => options.leases.endOffset(LEASES_TOPIC),
    signal: abort.signal,
    onRecord(record) {
      const lease = decodeLease(record.value);
      // A renewal by anyone but the node itself (or a control plane) does not keep a node alive.
      if (lease && leaseCounts(lease.node, record.headers)) lastSeen.set(lease.node, { bootId: lease.bootId, at: now() });
    },
    ...(options.onError ? { onError: options.onError } : {}),
  });
  let checking = false;
  const check = async () => {
    if (checking) return;
    const leader = options.leader?.();
    if (options.leader && !leader) return;
    checking = true;
    try {
      const changes = readinessChanges([...options.store.state().nodes.values()], lastSeen, now(), graceMs, startedAt);
      if (changes.length) {
        await options.store.append(
          changes.map(({ expect, ...data }) => ({ type: 'NodeReadinessChanged' as const, data, expect, ...(leader ? { leader } : {}) })),
        );
      }
    } catch (error) {
      options.onError?.(new Error(`node lifecycle: ${(error as Error).message}`));
    } finally {
      checking = false;
    }
  };
  const timer = setInterval(() => void check(), options.checkMs ?? 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      abort.abort();
      await following;
    },
  };
}
