/**
 * How the log-backed bus lays a partitioned topic onto Tide's EventLog, whose topics have one
 * partition each: partition P of topic T is the log topic `bus.<T>.<P>`. The `bus.` prefix keeps
 * users' topics apart from the platform's own (`tide.state`, ...), so the control plane's log API
 * can let the triggers process at them and at nothing else.
 */

export const BUS_TOPIC_PREFIX = 'bus.';

/** What the embedded log accepts as a topic name. */
const LOG_TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

export class InvalidBusTopicError extends Error {
  override readonly name = 'InvalidBusTopicError';
  constructor(
    readonly topic: string,
    readonly reason: string,
  ) {
    super(`topic ${JSON.stringify(topic)} cannot be used on the bus: ${reason}`);
  }
}

/** The log topic that holds one partition of a bus topic; throws InvalidBusTopicError for a name the log refuses. */
export function busPartitionTopic(topic: string, partition: number): string {
  const name = `${BUS_TOPIC_PREFIX}${topic}.${partition}`;
  if (topic.length === 0 || !LOG_TOPIC_NAME.test(name)) {
    throw new InvalidBusTopicError(topic, 'a topic name is letters, digits, ".", "_" and "-", at most 240 characters');
  }
  return name;
}

/** The bus topic and partition a log topic holds, or undefined when it is no bus partition. */
export function parseBusPartitionTopic(logTopic: string): { topic: string; partition: number } | undefined {
  if (!logTopic.startsWith(BUS_TOPIC_PREFIX) || !LOG_TOPIC_NAME.test(logTopic)) return undefined;
  const dot = logTopic.lastIndexOf('.');
  const topic = logTopic.slice(BUS_TOPIC_PREFIX.length, dot);
  const digits = logTopic.slice(dot + 1);
  if (topic.length === 0 || !/^(0|[1-9][0-9]{0,8})$/.test(digits)) return undefined;
  return { topic, partition: Number(digits) };
}
