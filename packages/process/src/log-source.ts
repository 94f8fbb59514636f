import type { KafkaSecurity } from '@tide/log-kafka';

/** Where a process finds the cluster's event log. */
export type LogSource =
  /** One machine: the process owns the embedded log in this data directory (one writer per directory). */
  | { kind: 'embedded'; dataDir: string }
  /** One machine, another process: the embedded log of a control plane, through its log API. */
  | {
      kind: 'http';
      server: string;
      /** The component's bearer token (node, gateway, triggers): the log API serves Tide's own components only. */
      token?: string;
    }
  /**
   * A cluster: any number of processes share the topics. `writer` (writerOf a principal, e.g.
   * `node:n1`) is stamped on every record this process appends, since no server stands between it
   * and the topics to do it; the fold judges its rights by it, the broker's ACLs the rest.
   */
  | { kind: 'kafka'; brokers: string[]; fetchMaxWaitMs?: number; security?: KafkaSecurity; writer?: string };

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
