import type { EventLog } from '@tide/log';
import type { LogSource } from '@tide/process';
import { openKafkaTopicBus, openLogTopicBus, type TopicBus } from '@tide/topics';

/**
 * The bus of namespaces' topics beside the state log: on Kafka, the same cluster's topics; on
 * one machine, partitions laid on the log this control plane runs on (its own embedded log, or
 * another process's through the log API).
 */
export function openTopicBus(source: LogSource, log: EventLog, onError: (error: Error) => void): Promise<TopicBus> | TopicBus {
  if (source.kind === 'kafka')
    return openKafkaTopicBus({ brokers: source.brokers, clientId: 'tide-control-plane', ...(source.security && { security: source.security }), onError });
  return openLogTopicBus(log, { onError });
}
