/**
 * Node leases: each node agent renews its lease on this topic every few seconds. Leases never go
 * on the state stream; the node lifecycle controller turns a lapsed lease into one event there.
 */
export const LEASES_TOPIC = 'tide.leases';

export interface NodeLease {
  node: string;
  bootId: string;
  /** The agent's clock when it renewed (informational: expiry uses the reader's clock). */
  at: number;
}

export function encodeLease(lease: NodeLease): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(lease));
}

export function decodeLease(bytes: Uint8Array): NodeLease | undefined {
  try {
    const lease = JSON.parse(new TextDecoder().decode(bytes)) as Partial<NodeLease>;
    return typeof lease.node === 'string' && typeof lease.bootId === 'string' ? (lease as NodeLease) : undefined;
  } catch {
    return undefined;
  }
}
