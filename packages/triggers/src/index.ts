export type { Delivery, DeliveryKind, DeliveryResult, Dispatcher } from './dispatcher.js';
export type { Engine, EngineDeps, StartEngine } from './engine.js';
export { gatewayDispatcher, type GatewayDispatcher, type GatewayDispatcherOptions } from './gateway-dispatcher.js';
export { startAsyncWorker, runAsyncWorker, ASYNC_GROUP, type AsyncWorker, type AsyncWorkerOptions } from './async/start-async-worker.js';
export { startCronTriggers } from './cron/start-cron-triggers.js';
export { startKafkaTriggers, kafkaTriggersEngine, type KafkaTriggerOptions } from './kafka/start-kafka-triggers.js';
