import { performance } from 'node:perf_hooks';
import type { EventLog } from './event-log.js';

export interface Percentiles {
  p50: number;
  p99: number;
  max: number;
}

/** The slice of @tide/core's state store the measurement needs (this package does not depend on core). */
export interface BenchStateStore {
  append(events: readonly unknown[]): Promise<{ offset: number; verdict: { accepted: boolean } }[]>;
  waitFor(offset: number): Promise<unknown>;
  subscribe(listener: (event: unknown, verdict: unknown, state: { offset: number }) => void): () => void;
  close(): Promise<void>;
}

export interface AcceptedToAppliedOptions<L extends EventLog> {
  /** A fresh connection to the log under test (one per store, as separate processes would have). */
  openLog: () => Promise<L>;
  openStateStore: (options: { log: L; topic: string }) => Promise<BenchStateStore>;
  /** The i-th command, e.g. a NamespaceApplied of a new name (each must be accepted). */
  command: (i: number) => unknown;
  topic: string;
  commands?: number;
  followers?: number;
}

export interface AcceptedToAppliedBench {
  commands: number;
  followers: number;
  /** The writer's append → its own fold's verdict (what an API client waits for). */
  acceptedMs: Percentiles;
  /** Append → folded by another store, over every (command, follower) pair. */
  appliedMs: Percentiles;
}

/**
 * Command accepted → applied by every consumer: one store appends commands one at a time and
 * waits for its verdict; `followers` other stores fold the same log. The same measurement for any
 * EventLog adapter, so the embedded log and Kafka compare side by side.
 */
export async function benchAcceptedToApplied<L extends EventLog>(options: AcceptedToAppliedOptions<L>): Promise<AcceptedToAppliedBench> {
  const commands = options.commands ?? 100;
  const followerCount = options.followers ?? 3;
  const logs: L[] = [];
  const stores: BenchStateStore[] = [];
  const openStore = async () => {
    const log = await options.openLog();
    logs.push(log);
    const store = await options.openStateStore({ log, topic: options.topic });
    stores.push(store);
    return store;
  };
  try {
    const writer = await openStore();
    const followers = await Promise.all(Array.from({ length: followerCount }, openStore));
    const appendedAt = new Map<number, number>();
    const applied: number[] = [];
    // A follower may fold an event before the writer's append has returned its offset: keep fold
    // times by offset and pair them with append times afterwards.
    const foldedAt = followers.map(() => new Map<number, number>());
    followers.forEach((store, i) => store.subscribe((_event, _verdict, state) => foldedAt[i]!.set(state.offset, performance.now())));
    const accepted: number[] = [];
    for (let i = 0; i < commands; i++) {
      const started = performance.now();
      const [result] = await writer.append([options.command(i)]);
      accepted.push(performance.now() - started);
      appendedAt.set(result!.offset, started);
    }
    const last = Math.max(...appendedAt.keys());
    await Promise.all(followers.map((store) => store.waitFor(last)));
    for (const [offset, started] of appendedAt) {
      for (const folded of foldedAt) {
        const at = folded.get(offset);
        if (at === undefined) throw new Error(`a follower never folded offset ${offset} of ${options.topic}`);
        applied.push(at - started);
      }
    }
    return { commands, followers: followerCount, acceptedMs: percentiles(accepted), appliedMs: percentiles(applied) };
  } finally {
    for (const store of stores) await store.close();
    for (const log of logs) await log.close();
  }
}

export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? 0 };
}
