import { SUPPORTED_RULES_VERSION } from './fold/rules.js';

/**
 * Leases: each node agent and each control plane renews its lease on this topic every few
 * seconds. Leases never go on the state stream; the node lifecycle controller turns a node's
 * lapsed lease into one event there, and the leader raises the fold's rules version only once
 * every member renewing a lease speaks the new one.
 */
export const LEASES_TOPIC = 'tide.leases';

export interface NodeLease {
  node: string;
  bootId: string;
  /** The agent's clock when it renewed (informational: expiry uses the reader's clock). */
  at: number;
  /**
   * The highest fold rules version the writer knows. Written by every renewal (this build's
   * unless given); absent in a lease from a release before rules were versioned, which knows 1.
   */
  rules?: number;
}

export function encodeLease(lease: NodeLease): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ rules: SUPPORTED_RULES_VERSION, ...lease }));
}

export function decodeLease(bytes: Uint8Array): (NodeLease & { rules: number }) | undefined {
  try {
    const lease = JSON.parse(new TextDecoder().decode(bytes)) as Partial<NodeLease>;
    if (typeof lease.node !== 'string' || typeof lease.bootId !== 'string') return undefined;
    return { ...(lease as NodeLease), rules: Number.isInteger(lease.rules) && lease.rules! >= 1 ? lease.rules! : 1 };
  } catch {
    return undefined;
  }
}
