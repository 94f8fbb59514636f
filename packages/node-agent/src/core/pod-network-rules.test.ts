import { describe, expect, it } from 'vitest';
import { podNetworkRuleset } from './pod-network-rules.js';

describe('podNetworkRuleset', () => {
  const rules = { table: 'tide_pods_x', uids: { first: 200000, last: 259999 }, allowedPorts: [8080], nodeAddresses: ['10.0.0.5', 'fd00::5'] };

  it("closes this machine's TCP ports (connections the pods open, not their answers) but the allowed ones to the pods' uids, on loopback and the node's addresses", () => {
    const text = podNetworkRuleset(rules);
    expect(text).toContain(
      'meta skuid 200000-259999 ip daddr { 127.0.0.0/8, 10.0.0.5 } tcp dport != { 8080 } tcp flags & (syn | ack) == syn reject with tcp reset',
    );
    expect(text).toContain('meta skuid 200000-259999 ip6 daddr { ::1, fd00::5 } tcp dport != { 8080 } tcp flags & (syn | ack) == syn reject with tcp reset');
  });

  it('closes the link-local metadata service whatever the port', () => {
    const text = podNetworkRuleset(rules);
    expect(text).toContain('meta skuid 200000-259999 ip daddr 169.254.0.0/16 reject');
    expect(text).toContain('meta skuid 200000-259999 ip6 daddr fe80::/10 reject');
  });

  it('closes every TCP port of the machine when none is allowed, and names no port twice', () => {
    expect(podNetworkRuleset({ ...rules, allowedPorts: [] })).toContain(
      'ip daddr { 127.0.0.0/8, 10.0.0.5 } tcp flags & (syn | ack) == syn reject with tcp reset',
    );
    expect(podNetworkRuleset({ ...rules, allowedPorts: [9090, 8080, 9090] })).toContain('tcp dport != { 8080, 9090 }');
  });

  it('is one table of family inet with an output hook, so the agent replaces or deletes it whole', () => {
    expect(podNetworkRuleset(rules)).toMatch(/^table inet tide_pods_x \{\n {2}chain output \{\n {4}type filter hook output priority 0; policy accept;/);
  });
});
