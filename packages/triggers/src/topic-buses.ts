import { openKafkaTopicBus, openLogTopicBus } from '@tide/topics';
import type { BusOpeners } from './trigger-buses.js';

/**
 * The buses of @tide/topics. On the log the process runs on (its embedded log, or a control
 * plane's log API) the bus over that log: its consumer groups have one member per bus, so two
 * processes would both consume a topic, and the Kafka triggers run on the leader only. On Kafka a
 * bus on the same brokers (and credentials), whose groups share partitions among every triggers
 * process. A trigger naming other brokers gets a bus on that cluster, with no credentials: Tide's
 * own are not handed to a cluster a trigger names.
 */
export const topicBuses: BusOpeners = {
  async platform(state, clientId) {
    const { source } = state;
    if (source.kind !== 'kafka') return { bus: openLogTopicBus(state.log), sharedGroups: false };
    // The fetch wait the cluster was configured with (TIDE_KAFKA_FETCH_WAIT_MS): on an idle topic a
    // consumer's fetch sits this long at the broker, so it bounds how soon a new record is seen.
    const bus = await openKafkaTopicBus({
      brokers: source.brokers,
      clientId,
      ...(source.security ? { security: source.security } : {}),
      ...(source.fetchMaxWaitMs === undefined ? {} : { fetchMaxWaitMs: source.fetchMaxWaitMs }),
    });
    return { bus, sharedGroups: true };
  },
  external: (brokers, clientId) => openKafkaTopicBus({ brokers, clientId }),
};
