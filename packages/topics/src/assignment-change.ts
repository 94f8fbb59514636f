import type { TopicPartition } from './topic-bus.js';

/** A kafkajs member assignment: partition numbers by topic. */
export type MemberAssignment = Readonly<Record<string, readonly number[]>>;

export interface AssignmentChange {
  /** Held before, not in the new assignment: the member must stop committing them. */
  revoked: TopicPartition[];
  /** In the new assignment, not held before. */
  added: TopicPartition[];
  /** The new assignment as a list. */
  next: TopicPartition[];
}

/** What a new generation's assignment changes for a member holding `held` (keys `topic/partition`). */
export function assignmentChange(held: ReadonlySet<string>, assignment: MemberAssignment): AssignmentChange {
  const next = Object.entries(assignment).flatMap(([topic, partitions]) => [...partitions].sort((a, b) => a - b).map((partition) => ({ topic, partition })));
  const nextKeys = new Set(next.map(partitionKey));
  return {
    revoked: [...held].filter((key) => !nextKeys.has(key)).map(parsePartitionKey),
    added: next.filter((tp) => !held.has(partitionKey(tp))),
    next,
  };
}

export function partitionKey(tp: TopicPartition): string {
  return `${tp.topic}/${tp.partition}`;
}

export function parsePartitionKey(key: string): TopicPartition {
  const slash = key.lastIndexOf('/');
  return { topic: key.slice(0, slash), partition: Number(key.slice(slash + 1)) };
}
