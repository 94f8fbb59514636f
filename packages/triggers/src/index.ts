export type { Delivery, DeliveryKind, DeliveryResult, Dispatcher } from './dispatcher.js';
export type { Engine, EngineDeps, StartEngine } from './engine.js';
export { startKafkaTriggers, kafkaTriggersEngine, type KafkaTriggerOptions } from './kafka/start-kafka-triggers.js';
