import { spawnSync } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { podNetworkRuleset } from '../core/pod-network-rules.js';

export interface PodNetworkGuard {
  /** For the agent's log: what pods cannot reach, or why nothing is guarded. */
  readonly describe: string;
  /** Takes the rules out again (the agent stops). */
  close(): void;
}

export interface PodNetworkGuardOptions {
  /**
   * The nftables table (family inet): one per block of uids, so agents on one machine keep theirs
   * apart, and an agent that takes over a killed one's block replaces the rules it left behind.
   */
  table: string;
  /** The agent's own pods' uids: another agent's table must not judge them. */
  uids: { first: number; last: number };
  allowedPorts: readonly number[];
}

/**
 * Pods share the machine's network (the sandbox has no network namespace: a pod must listen where
 * the gateway reaches it and call out where its code calls). What bwrap does not stop, nftables
 * does: a sandboxed process cannot open a TCP connection to this machine — the control plane's API,
 * the agent, another pod's port past the gateway, a port another pod bound — nor to the cloud's
 * metadata service (pod-network-rules.ts). Where nft is missing or refused, says so and guards nothing.
 */
export function openPodNetworkGuard(options: PodNetworkGuardOptions): PodNetworkGuard {
  const { table } = options;
  const ruleset = podNetworkRuleset({ table, uids: options.uids, allowedPorts: options.allowedPorts, nodeAddresses: ownAddresses() });
  // Replaces a table a killed agent left behind, atomically: add (so delete cannot fail), delete, make.
  const applied = nft(['-f', '-'], `add table inet ${table}\ndelete table inet ${table}\n${ruleset}`);
  if (applied !== undefined) {
    return { describe: `pods' network is NOT guarded (nft: ${applied}): a pod can connect to this machine's ports`, close: () => undefined };
  }
  const allowed = options.allowedPorts.length ? ` but port ${options.allowedPorts.join(', ')}` : '';
  return {
    describe: `pods cannot connect to this machine${allowed} nor to link-local metadata (nftables table inet ${table})`,
    close: () => void nft(['delete', 'table', 'inet', table]),
  };
}

/** Runs nft; undefined when it succeeded, else why not. */
function nft(args: string[], input?: string): string | undefined {
  const result = spawnSync('nft', args, { input, encoding: 'utf8', timeout: 10_000 });
  if (result.error) return (result.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not installed (apt-get install nftables)' : result.error.message;
  if (result.status !== 0) return (result.stderr.trim().split('\n')[0] ?? '') || `exit ${result.status ?? result.signal}`;
  return undefined;
}

/** Every address of this machine but loopback (pods reaching 127.0.0.0/8 are covered anyway). */
function ownAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => !a.internal)
    .map((a) => a.address.split('%')[0]!);
}
