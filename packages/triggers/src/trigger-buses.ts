import type { ProcessState } from '@tide/process';
import type { TopicBus } from '@tide/topics';
import { topicBuses } from './topic-buses.js';

/** How the triggers process opens its buses: the @tide/topics adapters, or fakes in tests. */
export interface BusOpeners {
  /** The platform's bus: namespaces' topics on the log the process runs on (its embedded or HTTP log, or its Kafka). */
  platform(state: ProcessState, clientId: string): Promise<PlatformBus>;
  /** A bus on another Kafka cluster, for triggers that name `brokers`. */
  external(brokers: readonly string[], clientId: string): Promise<TopicBus>;
}

export interface PlatformBus {
  bus: TopicBus;
  /**
   * True when a consumer group's partitions are shared among the processes subscribing it (Kafka),
   * so every triggers process may run Kafka triggers; false when each bus would consume everything.
   */
  sharedGroups: boolean;
}

export interface TriggerBuses {
  platform: TopicBus;
  sharedGroups: boolean;
  /** One bus per broker list, opened on first use and shared by every trigger naming those brokers. */
  external(brokers: readonly string[]): Promise<TopicBus>;
  /** Closes every bus opened (after the engines stopped). */
  close(): Promise<void>;
}

export async function openTriggerBuses(state: ProcessState, clientId: string, openers: BusOpeners = topicBuses): Promise<TriggerBuses> {
  const { bus: platform, sharedGroups } = await openers.platform(state, clientId);
  const external = new Map<string, Promise<TopicBus>>();
  return {
    platform,
    sharedGroups,
    external(brokers) {
      // kafka:9092,kafka2:9092 and kafka2:9092,kafka:9092 are one cluster.
      const key = [...brokers].sort().join(',');
      let bus = external.get(key);
      if (!bus) {
        bus = openers.external(brokers, clientId);
        external.set(key, bus);
        // A failed open is not cached: the next trigger naming these brokers tries again.
        bus.catch(() => external.delete(key));
      }
      return bus;
    },
    async close() {
      const opened = await Promise.allSettled(external.values());
      for (const result of opened) if (result.status === 'fulfilled') await result.value.close();
      external.clear();
      await platform.close();
    },
  };
}
