export type {
  ConsumedRecord,
  PartitionHandler,
  PartitionInfo,
  PublishedRecord,
  PublishRecord,
  StartFrom,
  SubscribeOptions,
  Subscription,
  TopicBus,
  TopicPartition,
} from './topic-bus.js';
export { platformTopic, parsePlatformTopic } from './platform-topic.js';
export { openLogTopicBus, type LogTopicBusOptions } from './log-topic-bus.js';
export { BUS_TOPIC_PREFIX, busPartitionTopic, parseBusPartitionTopic, InvalidBusTopicError } from './bus-partition-topic.js';
export { murmur2, partitionOfKey } from './murmur2.js';
export { openKafkaTopicBus, type KafkaTopicBusOptions } from './kafka-topic-bus.js';
