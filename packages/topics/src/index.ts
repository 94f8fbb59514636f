export type {
  ConsumedRecord,
  PartitionHandler,
  PartitionInfo,
  PublishedRecord,
  PublishRecord,
  SubscribeOptions,
  Subscription,
  TopicBus,
  TopicPartition,
} from './topic-bus.js';
export { platformTopic, parsePlatformTopic } from './platform-topic.js';
