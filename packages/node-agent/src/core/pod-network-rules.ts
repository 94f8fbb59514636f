/**
 * What a sandboxed pod may not connect to, as an nftables table: TCP to this machine (loopback and
 * the node's own addresses) but the ports named, and the link-local range where clouds serve
 * instance metadata and credentials. Everything else — the internet, other machines, DNS over UDP —
 * stays open. Matched by the socket's uid: every sandboxed process runs as a uid of the pods' range,
 * the agent, gateway and control plane as their own. A pure function of plain data, so the rules are
 * tested without nft.
 */
export interface PodNetworkRules {
  /** The nftables table (family inet) the rules live in: one per agent, removed with it. */
  table: string;
  /** Uids of sandboxed processes, inclusive. */
  uids: { first: number; last: number };
  /** Ports of this machine pods may reach (the gateway's, to call other functions). */
  allowedPorts: readonly number[];
  /** This machine's addresses other than loopback. */
  nodeAddresses: readonly string[];
}

/** The link-local range: 169.254.169.254 is AWS's, GCP's and Azure's instance metadata service. */
const LINK_LOCAL_V4 = '169.254.0.0/16';
const LINK_LOCAL_V6 = 'fe80::/10';

export function podNetworkRuleset(rules: PodNetworkRules): string {
  const pods = `meta skuid ${rules.uids.first}-${rules.uids.last}`;
  // A connection the pod opens (SYN without ACK), not its answers to one opened to it (the agent's
  // probes, the gateway's calls): those leave the pod's socket for loopback too.
  const opening = ' tcp flags & (syn | ack) == syn';
  const ports = rules.allowedPorts.length ? ` tcp dport != { ${[...new Set(rules.allowedPorts)].sort((a, b) => a - b).join(', ')} }${opening}` : opening;
  const v4 = ['127.0.0.0/8', ...rules.nodeAddresses.filter((a) => !a.includes(':'))];
  const v6 = ['::1', ...rules.nodeAddresses.filter((a) => a.includes(':'))];
  const set = (addresses: string[]) => `{ ${[...new Set(addresses)].join(', ')} }`;
  return [
    `table inet ${rules.table} {`,
    '  chain output {',
    '    type filter hook output priority 0; policy accept;',
    `    ${pods} ip daddr ${set(v4)}${ports} reject with tcp reset`,
    `    ${pods} ip6 daddr ${set(v6)}${ports} reject with tcp reset`,
    `    ${pods} ip daddr ${LINK_LOCAL_V4} reject`,
    `    ${pods} ip6 daddr ${LINK_LOCAL_V6} reject`,
    '  }',
    '}',
    '',
  ].join('\n');
}
