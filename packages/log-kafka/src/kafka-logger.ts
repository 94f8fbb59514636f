/**
 * kafkajs' log lines, minus its running commentary on an outage: while the cluster cannot be
 * reached, kafkajs logs every failed connect and retry (dozens a second); the connectivity tracker
 * reports the outage once instead. Its connection errors still count as failures there; its log of
 * a broker's error answer to one request is dropped, since the request's caller gets that error.
 */
import { logLevel as LogLevel, type logCreator } from 'kafkajs';
import type { ConnectivityTracker } from './connectivity.js';

const CONNECTION_NAMESPACES = new Set(['Connection', 'BrokerPool']);
/** What kafkajs says when a broker cannot be reached, as opposed to a broker's answer to one request. */
const UNREACHABLE = /connection error|connection timeout|closed connection|failed to connect|ECONNREFUSED|ECONNRESET|ETIMEDOUT/i;

export function connectivityAwareLogger(connectivity: ConnectivityTracker, write: (line: string) => void = (line) => console.error(line)): logCreator {
  return () =>
    ({ namespace, level, label, log }) => {
      const {
        message,
        timestamp: _timestamp,
        logger: _logger,
        ...extra
      } = log as { message: string; timestamp?: string; logger?: string } & Record<string, unknown>;
      if (level === LogLevel.ERROR && CONNECTION_NAMESPACES.has(namespace)) {
        // Either the cluster is unreachable (the tracker reports it once) or a broker refused one
        // request ("Response Fetch(key: 1, ...)": out of range, not leader), which the caller handles.
        if (UNREACHABLE.test(message)) connectivity.note(Object.assign(new Error(message), { name: 'KafkaJSConnectionError' }));
        return;
      }
      if (!connectivity.current().reachable && level <= LogLevel.WARN) return;
      write(JSON.stringify({ level: label, logger: 'kafkajs', namespace, message, ...extra }));
    };
}
