import { decodeLease, encodeLease, followTopic, LEASES_TOPIC, SUPPORTED_RULES_VERSION, type LeaderStamp, type StateStore } from '@tide/core';
import type { LeaseSource } from './node-lifecycle.js';
import { rulesRaise, type MemberSighting, type RulesRaiseDecision } from './core/rules-raise.js';
import { leaseCounts } from './core/lease-writer.js';

export interface LeaderElection {
  /** This process's leadership, while it holds it: stamp it on what the leader writes. */
  current: LeaderStamp;
  /** While leading: whether the fold's rules version was last found ready to raise, or what it waits for. */
  rules(): RulesRaiseDecision | undefined;
  stop(): Promise<void>;
}

interface LeaseLog extends LeaseSource {
  append(topic: string, records: readonly { value: Uint8Array; key?: string }[]): Promise<number[]>;
}

/**
 * Leadership through the log itself: the leader renews a lease on tide.leases; a candidate that
 * sees no renewal for `graceMs` appends LeaderElected with the next epoch. The fold accepts only
 * one event per epoch, so two candidates cannot both win, and anything a deposed leader appends
 * afterwards carries a stale epoch and is rejected. Leadership is an efficiency, never correctness.
 *
 * Every candidate also renews a membership lease saying the highest fold rules version it knows,
 * as node agents do with theirs; the leader appends RulesVersionRaised once every member heard
 * from within the grace speaks the next version (see rulesRaise), so no member of an older
 * build is left folding events it cannot judge.
 */
export async function startLeaderElection(options: {
  store: StateStore;
  leases: LeaseLog;
  role: string;
  holder: string;
  graceMs?: number;
  renewMs?: number;
  now?: () => number;
  onChange?: (leading: boolean, epoch: number) => void;
  onError?: (error: Error) => void;
  /** The highest fold rules version this process knows: its store's rule book's (default this build's). */
  supportedRulesVersion?: number;
}): Promise<LeaderElection> {
  const { store, role, holder } = options;
  const now = options.now ?? Date.now;
  const graceMs = options.graceMs ?? 10_000;
  const leaseKey = `leader.${role}`;
  const memberKey = `control-plane.${holder}`;
  const supported = options.supportedRulesVersion ?? SUPPORTED_RULES_VERSION;
  const members = new Map<string, MemberSighting>();
  const listeningSince = now();
  let rulesDecision: RulesRaiseDecision | undefined;
  // When this process first saw the current epoch: a new leader has renewed nothing yet, and its
  // silence counts from its election (or this process's start), not from a renewal of the old one.
  let epochSeen = { epoch: -1, at: now() };
  let lastRenewal: { epoch: number; at: number } | undefined;
  let leading = false;
  const abort = new AbortController();

  const following = followTopic(options.leases, LEASES_TOPIC, {
    name: `leader election (${role})`,
    from: () => options.leases.endOffset(LEASES_TOPIC),
    signal: abort.signal,
    onRecord(record) {
      const lease = decodeLease(record.value);
      // A forged renewal (a node's, a gateway's) neither keeps a silent leader in office nor speaks for a member.
      if (!lease || !leaseCounts(lease.node, record.headers)) return;
      members.set(lease.node, { rules: lease.rules, at: now() });
      if (lease.node === leaseKey) lastRenewal = { epoch: Number(lease.bootId), at: now() };
    },
    ...(options.onError ? { onError: options.onError } : {}),
  });

  const current = () => {
    const leader = store.state().leaders[role];
    return leader?.holder === holder ? { role, epoch: leader.epoch } : undefined;
  };

  /** Says when this process started or stopped leading (as the fold has it now). */
  const announce = () => {
    const mine = current();
    if (Boolean(mine) !== leading) {
      leading = Boolean(mine);
      options.onChange?.(leading, store.state().leaders[role]?.epoch ?? 0);
    }
    return mine;
  };

  const raiseRules = async (mine: { role: string; epoch: number }) => {
    rulesDecision = rulesRaise({ inForce: store.state().rulesVersion, supported, members, listeningSince, now: now(), graceMs });
    if ('raise' in rulesDecision) await store.append([{ type: 'RulesVersionRaised', data: { version: rulesDecision.raise }, leader: mine }]);
  };

  let busy = false;
  const tick = async () => {
    // A fold halted at rules it does not know sees a frozen cluster: it neither leads nor speaks for a member.
    if (busy || store.state().halted) return;
    busy = true;
    try {
      const leader = store.state().leaders[role];
      const mine = announce();
      const membership = { value: encodeLease({ node: memberKey, bootId: holder, at: now(), rules: supported }), key: memberKey };
      if (mine) {
        await options.leases.append(LEASES_TOPIC, [
          { value: encodeLease({ node: leaseKey, bootId: String(mine.epoch), at: now(), rules: supported }), key: leaseKey },
          membership,
        ]);
        await raiseRules(mine);
        return;
      }
      rulesDecision = undefined;
      // Reported, not thrown: a lost renewal of membership must not keep this candidate from taking over.
      await options.leases
        .append(LEASES_TOPIC, [membership])
        .catch((error: Error) => options.onError?.(new Error(`leader election (${role}): renewing membership failed: ${error.message}`)));
      if (leader && leader.epoch !== epochSeen.epoch) epochSeen = { epoch: leader.epoch, at: epochSeen.epoch === -1 ? epochSeen.at : now() };
      const renewed = lastRenewal !== undefined && lastRenewal.epoch === leader?.epoch ? lastRenewal.at : -Infinity;
      const heard = Math.max(epochSeen.at, renewed);
      if (leader && now() - heard <= graceMs) return;
      await store.append([
        { type: 'LeaderElected', data: { role, epoch: (leader?.epoch ?? 0) + 1, holder }, expect: leader ? Number(leader.resourceVersion) : null },
      ]);
      // Won (or lost to another candidate): say so now, not at the next tick.
      announce();
    } catch (error) {
      options.onError?.(new Error(`leader election (${role}): ${(error as Error).message}`));
    } finally {
      busy = false;
    }
  };
  // A fresh log has no leader: take it at once rather than after a grace period.
  if (!store.state().leaders[role]) await tick();
  const timer = setInterval(() => void tick(), options.renewMs ?? 2000);
  timer.unref();
  return {
    current,
    rules: () => rulesDecision,
    async stop() {
      clearInterval(timer);
      abort.abort();
      await following;
    },
  };
}
