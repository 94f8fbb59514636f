import { logLevel as LogLevel, type logCreator } from 'kafkajs';

/**
 * kafkajs' log lines as JSON, minus its ERROR line for each broker answer that refused one request
 * ("Response Heartbeat(...): The group is rebalancing"): a rebalance is routine for a consumer
 * group, and the request's caller (kafkajs' runner, or this bus) handles that answer.
 */
export function topicBusLogger(write: (line: string) => void): logCreator {
  return () =>
    ({ namespace, level, label, log }) => {
      const {
        message,
        timestamp: _timestamp,
        logger: _logger,
        ...extra
      } = log as { message: string; timestamp?: string; logger?: string } & Record<string, unknown>;
      if (level === LogLevel.ERROR && namespace === 'Connection' && message.startsWith('Response ')) return;
      write(JSON.stringify({ level: label, logger: 'kafkajs', namespace, message, ...extra }));
    };
}
