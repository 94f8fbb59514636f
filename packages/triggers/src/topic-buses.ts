import type { TopicBus } from '@tide/topics';
import type { BusOpeners } from './trigger-buses.js';

/**
 * The buses of @tide/topics: on the log the process runs on (embedded, or a control plane's log
 * API) a bus over that log; on Kafka a bus on the same brokers; a trigger naming other brokers gets
 * a bus on that cluster.
 */
export const topicBuses: BusOpeners = {
  platform: async () => unavailableBus(),
  external: async () => unavailableBus(),
};

// Until the @tide/topics adapters are merged into this branch.
function unavailableBus(): TopicBus {
  const refuse = async (): Promise<never> => {
    throw new Error('topics: no TopicBus adapter in this build');
  };
  return { publish: refuse, describe: refuse, subscribe: refuse, close: async () => {} };
}
