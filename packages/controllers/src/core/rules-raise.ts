/** What the leader last heard from a member on tide.leases: the highest rules version it speaks. */
export interface MemberSighting {
  rules: number;
  /** The leader's clock when it heard it. */
  at: number;
}

export type RulesRaiseDecision = { raise: number } | { wait: string };

/**
 * Whether the leader may switch the log to the next rules version now: only if it knows that
 * version itself and every member heard from within the grace speaks it. A member silent for
 * longer is gone (a node is NotReady after the same silence), so it does not hold the switch
 * back. Until the leader has listened for a whole grace it cannot know every live member.
 * One version at a time: each switch is a point in the log every member agreed to.
 */
export function rulesRaise(input: {
  inForce: number;
  /** The highest version this process (the leader) knows. */
  supported: number;
  members: ReadonlyMap<string, MemberSighting>;
  listeningSince: number;
  now: number;
  graceMs: number;
}): RulesRaiseDecision {
  const { inForce, supported, members, now, graceMs } = input;
  if (inForce >= supported) return { wait: `rules version ${inForce} is the highest this process knows` };
  const next = inForce + 1;
  if (now - input.listeningSince < graceMs) return { wait: `listening for a grace period (${graceMs} ms) to hear from every member before raising to ${next}` };
  const behind = [...members]
    .filter(([, seen]) => now - seen.at <= graceMs && seen.rules < next)
    .map(([name, seen]) => `${name} (speaks ${seen.rules})`)
    .sort();
  if (behind.length) return { wait: `rules version ${next} waits for ${behind.join(', ')}` };
  return { raise: next };
}
