export type { Delivery, DeliveryKind, DeliveryResult, Dispatcher } from './dispatcher.js';
export type { Engine, EngineDeps, StartEngine } from './engine.js';
export { startKafkaTriggers, kafkaTriggersEngine, type KafkaTriggerOptions } from './kafka/start-kafka-triggers.js';
export { startTriggers, type RunningTriggers, type TriggersOptions } from './start-triggers.js';
export { TRIGGERS_ROLE } from './engine-runner.js';
export { TRIGGER_ENGINES, type TriggerEngine } from './engines.js';
export type { BusOpeners } from './trigger-buses.js';
export { gatewayDispatcher, type GatewayDispatcher, type GatewayDispatcherOptions } from './gateway-dispatcher.js';
