import { parseWriter, WRITER_HEADER } from '@tide/core';

/** The role the triggers process leads (triggers/engine-runner.ts): the one leadership not a control plane's. */
const TRIGGERS_LEASE = 'leader.triggers';
/** Membership leases of leadership candidates (leader-election.ts), control planes' and triggers processes'. */
const MEMBER_PREFIX = 'control-plane.';

/**
 * Whether a lease on tide.leases counts, judged on who appended it (the record's `tide-writer`
 * header, stamped by the log API or by the component itself on Kafka; absent = a control plane).
 * A node renews its own lease only (node names are DNS labels: no dot, so never a leader's key);
 * leader and membership leases are control planes', and the triggers process's for its own role;
 * a gateway, a person or a bootstrap token renews nothing. A lease that does not count is ignored,
 * so a forged renewal can neither keep a dead leader (or node) alive nor hold back a rules raise.
 */
export function leaseCounts(key: string, headers: Readonly<Record<string, string>> | undefined): boolean {
  const writer = parseWriter(headers?.[WRITER_HEADER]);
  if (!writer) return false;
  switch (writer.kind) {
    case 'control-plane':
      return true;
    case 'node':
      return key === writer.name;
    case 'triggers':
      return key === TRIGGERS_LEASE || key.startsWith(MEMBER_PREFIX);
    default:
      return false;
  }
}
