export type { Delivery, DeliveryKind, DeliveryResult, Dispatcher } from './dispatcher.js';
export type { Engine, EngineDeps, StartEngine } from './engine.js';
