/**
 * A TopicBus in memory for the engine's tests (the real adapters are @tide/topics'): fixed
 * partitions per topic, keys hashed to partitions, one member per consumer group — a second
 * subscriber of a group takes every partition over after the first's `revoked` resolved, as a
 * rebalance does. Not exported from the package.
 */
import type { ConsumedRecord, PartitionInfo, PublishedRecord, StartFrom, SubscribeOptions, Subscription, TopicBus, TopicPartition } from '@tide/topics';

interface Member {
  options: SubscribeOptions;
  active: boolean;
  partitions: TopicPartition[];
  loops: Promise<void>[];
}

export function createMemoryTopicBus(partitions = 4, now: () => number = Date.now): TopicBus {
  const topics = new Map<string, ConsumedRecord[][]>();
  const commits = new Map<string, number>();
  const members = new Map<string, Member>();
  let wakers: (() => void)[] = [];
  const wake = () => {
    const w = wakers;
    wakers = [];
    for (const f of w) f();
  };
  const topic = (name: string) => {
    let t = topics.get(name);
    if (!t) topics.set(name, (t = Array.from({ length: partitions }, () => [])));
    return t;
  };
  let roundRobin = 0;

  const loop = async (member: Member, tp: TopicPartition) => {
    const log = topic(tp.topic)[tp.partition]!;
    const committed = commits.get(`${member.options.group}|${tp.topic}|${tp.partition}`);
    let position = startOffset(log, member.options.startFrom, committed);
    for (let guard = 0; member.active && guard < 10_000_000; guard++) {
      if (position < log.length) {
        const batch = log.slice(position, position + (member.options.maxBatch ?? 100));
        await member.options.handler.records(batch);
        position += batch.length;
      } else {
        await new Promise<void>((resolve) => wakers.push(resolve));
      }
    }
  };

  return {
    async publish(name, records) {
      const t = topic(name);
      const out: PublishedRecord[] = [];
      for (const r of records) {
        const partition = r.key === undefined ? roundRobin++ % partitions : hash(r.key) % partitions;
        const offset = t[partition]!.length;
        const value = typeof r.value === 'string' ? new TextEncoder().encode(r.value) : r.value;
        t[partition]!.push({ topic: name, partition, offset, key: r.key ?? null, value, headers: { ...(r.headers ?? {}) }, timestamp: now() });
        out.push({ topic: name, partition, offset });
      }
      wake();
      return out;
    },
    async describe(name): Promise<PartitionInfo[]> {
      return topic(name).map((p, partition) => ({ partition, endOffset: p.length }));
    },
    async subscribe(options): Promise<Subscription> {
      const previous = members.get(options.group);
      if (previous?.active) {
        await previous.options.handler.revoked(previous.partitions);
        previous.active = false;
        wake();
        await Promise.all(previous.loops);
      }
      const member: Member = { options, active: true, partitions: [], loops: [] };
      members.set(options.group, member);
      member.partitions = options.topics.flatMap((t) => topic(t).map((_, partition) => ({ topic: t, partition })));
      options.handler.assigned(member.partitions);
      member.loops = member.partitions.map((tp) => loop(member, tp));
      return {
        async commit(tp, next) {
          if (!member.active || members.get(options.group) !== member) return false;
          commits.set(`${options.group}|${tp.topic}|${tp.partition}`, next);
          return true;
        },
        async committed(tp) {
          return commits.get(`${options.group}|${tp.topic}|${tp.partition}`);
        },
        async stop() {
          member.active = false;
          wake();
        },
      };
    },
    async close() {
      for (const m of members.values()) m.active = false;
      wake();
    },
  };
}

/** Where a member starts (see @tide/topics' StartFrom): `{timestamp}` never before the first record stamped at or after it. */
function startOffset(log: readonly ConsumedRecord[], startFrom: StartFrom, committed: number | undefined): number {
  if (typeof startFrom !== 'object') return committed ?? (startFrom === 'earliest' ? 0 : log.length);
  const first = log.findIndex((r) => r.timestamp >= startFrom.timestamp);
  return Math.max(committed ?? 0, first < 0 ? log.length : first);
}

function hash(key: string): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (Math.imul(h, 31) + key.charCodeAt(i)) >>> 0;
  return h;
}
