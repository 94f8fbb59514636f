import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { openStateStore, type NodeCapacity, type Taint } from '@tide/core';
import { openHttpLog } from '@tide/log';
import { createArtifactCache, openNodeAgent, startNodeLoop } from '@tide/node-agent';
import { CliError } from '../api-client.js';
import { podSpans } from './parts.js';
import { openClusterLog, reportStateResets } from './cluster-log.js';

export interface NodeOptions {
  server: string;
  kafkaBrokers?: string;
  name: string;
  dataDir: string;
  capacity: NodeCapacity;
  labels: Record<string, string>;
  taints: Taint[];
  warmPoolSize?: number;
  /** The address pods listen on and gateways reach them at (default 127.0.0.1: one machine). */
  address?: string;
  /** Megabytes of artifacts kept on disk (default 1024). */
  artifactCacheMb?: number;
  /** Record each traced call of the pods as a span (an OpenTelemetry exporter is configured). */
  tracePods?: boolean;
  log: (line: string) => void;
}

/** A development node's default capacity: a share of this machine (CPU requests overcommit 4×). */
export function defaultNodeCapacity(nodes = 1): NodeCapacity {
  return { memoryMb: Math.floor(((totalmem() / 1024 / 1024) * 0.75) / nodes), cpuMilli: Math.floor((cpus().length * 4000) / nodes), pods: 110 };
}

/** `key=value:Effect` → a taint. */
export function parseTaint(text: string): Taint {
  const match = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|NoExecute)$/.exec(text);
  if (!match) throw new CliError(`--taint "${text}" must look like key=value:NoSchedule or key:NoExecute`, 2);
  return { key: match[1]!, ...(match[2] ? { value: match[2] } : {}), effect: match[3] as Taint['effect'] };
}

/**
 * `tide node`: a node agent in a process of its own. It folds the state log and appends its reports
 * through the control plane's log API, renews its lease there, and fetches artifacts by digest.
 */
export async function runNode(options: NodeOptions) {
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  // On Kafka a node folds and appends there; otherwise through the control plane's log API.
  const log = await openClusterLog({ kafkaBrokers: options.kafkaBrokers, fallback: async () => openHttpLog(options.server.split(',')[0]!), report: options.log });
  const onError = (error: Error) => options.log(`error: ${error.message}`);
  let store;
  try {
    store = await openStateStore({ log, onError });
  } catch (error) {
    await log.close();
    throw new CliError(`node ${options.name} cannot read the state log from ${options.server}: ${(error as Error).message}`);
  }
  reportStateResets(store, options.log);
  const artifacts = createArtifactCache(join(dataDir, 'artifacts'), options.server, {
    onError,
    ...(options.artifactCacheMb === undefined ? {} : { maxBytes: options.artifactCacheMb * 1024 * 1024 }),
  });
  const address = options.address ?? '127.0.0.1';
  const node = await startNodeLoop({
    store,
    nodeName: options.name,
    address,
    capacity: options.capacity,
    labels: options.labels,
    taints: options.taints,
    openAgent: (onReport, onPodLog) =>
      openNodeAgent({
        dataDir: join(dataDir, 'agent'),
        podHost: address,
        ...podSpans(options.tracePods),
        onReport,
        onLog: (pod, stream, line) => {
                options.log(`[${pod}] ${stream === 'stderr' ? '! ' : ''}${line}`);
                onPodLog(pod, stream, line);
              },
        ...(options.warmPoolSize === undefined ? {} : { warmPool: { size: options.warmPoolSize } }),
      }),
    artifactPath: (digest) => artifacts.path(digest),
    metrics: log,
    leases: log,
    logs: log,
    onError,
  });
  options.log(`node ${options.name} is up (boot ${node.bootId}), following ${options.kafkaBrokers ? `Kafka ${options.kafkaBrokers}` : options.server}`);
  return {
    async stop() {
      await node.close();
      await store.close();
      await log.close();
    },
  };
}

export function nodeName(): string {
  return `node-${randomBytes(3).toString('hex')}`;
}
