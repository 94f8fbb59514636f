import type { KafkaSecurity } from '@tide/log-kafka';

/** Where a process finds the cluster's event log. */
export type LogSource =
  /** One machine: the process owns the embedded log in this data directory (one writer per directory). */
  | { kind: 'embedded'; dataDir: string }
  /** One machine, another process: the embedded log of a control plane, through its log API. */
  | { kind: 'http'; server: string }
  /** A cluster: any number of processes share the topics. */
  | { kind: 'kafka'; brokers: string[]; fetchMaxWaitMs?: number; security?: KafkaSecurity };

/** Says where a log source is, for start-up lines and errors. */
export function describeLogSource(source: LogSource): string {
  switch (source.kind) {
    case 'embedded':
      return `the embedded log in ${source.dataDir}`;
    case 'http':
      return source.server;
    case 'kafka':
      return `Kafka at ${source.brokers.join(', ')}`;
  }
}
