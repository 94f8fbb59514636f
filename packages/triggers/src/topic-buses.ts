import { openLogTopicBus, type TopicBus } from '@tide/topics';
import type { BusOpeners } from './trigger-buses.js';

/**
 * The buses of @tide/topics. On the log the process runs on (its embedded log, or a control
 * plane's log API) the bus over that log: its consumer groups have one member per bus, so two
 * processes would both consume a topic, and the Kafka triggers run on the leader only. On Kafka a
 * bus on the same brokers, whose groups share partitions among every triggers process.
 */
export const topicBuses: BusOpeners = {
  async platform(state, clientId) {
    if (state.source.kind !== 'kafka') return { bus: openLogTopicBus(state.log, { onError: () => undefined }), sharedGroups: false };
    void clientId;
    return { bus: unavailableBus('the Kafka TopicBus'), sharedGroups: true };
  },
  external: async () => unavailableBus('the Kafka TopicBus'),
};

// Until the Kafka adapter of @tide/topics is merged into this branch.
function unavailableBus(what: string): TopicBus {
  const refuse = async (): Promise<never> => {
    throw new Error(`topics: ${what} is not in this build`);
  };
  return { publish: refuse, describe: refuse, subscribe: refuse, close: async () => {} };
}
