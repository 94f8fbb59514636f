import type { Meter } from '@opentelemetry/api';
import type { Clock, StateStore } from '@tide/core';
import type { EventLog } from '@tide/log';
import type { TopicBus } from '@tide/topics';
import type { Dispatcher } from './dispatcher.js';

/**
 * What each engine of the triggers process is given: `startTriggers` builds it once and starts
 * every engine on it (Kafka triggers, cron triggers, the async worker).
 */
export interface EngineDeps {
  /** The folded cluster state (triggers, functions) and the way to append to it (CronFired). */
  store: StateStore;
  /** The platform's log, for its own topics: tide.triggers (retry state), tide.invocations, tide.activations, tide.metrics. */
  log: EventLog;
  /** The platform's bus: namespaces' topics (platformTopic), on the embedded log or the cluster's Kafka. */
  bus: TopicBus;
  /** A bus on an external Kafka cluster, for a trigger that names `brokers` (opened once per broker list, closed by the engine). */
  openExternalBus(brokers: readonly string[]): Promise<TopicBus>;
  dispatcher: Dispatcher;
  clock: Clock;
  /** Instruments of the triggers process (served at its /metrics). */
  meter: Meter;
  /** This process, unique across restarts (consumer member ids, activation workers). */
  identity: string;
  report(line: string): void;
  onError(error: Error): void;
}

export interface Engine {
  /** Stops taking new work, lets calls in flight finish (within their timeout), commits what finished. */
  stop(): Promise<void>;
}

export type StartEngine = (deps: EngineDeps) => Promise<Engine>;
