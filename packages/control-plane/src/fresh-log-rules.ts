import { SUPPORTED_RULES_VERSION, type EventInput, type StateStore } from '@tide/core';

/**
 * A fresh log starts under the newest rules this build knows: there is no member of an older
 * build to wait for, and a new cluster should not refuse triggers (rules version 3) for the
 * leader's grace period after `tide up`. Raised one version at a time, as the leader does; a
 * control plane that lost the race to another sees its raises refused as conflicts, which is fine.
 */
export async function startFreshLogOnNewestRules(store: StateStore): Promise<void> {
  const state = store.state();
  if (state.offset !== -1 || state.rulesVersion >= SUPPORTED_RULES_VERSION) return;
  const raises = Array.from(
    { length: SUPPORTED_RULES_VERSION - state.rulesVersion },
    (_, i): EventInput => ({ type: 'RulesVersionRaised', data: { version: state.rulesVersion + i + 1 } }),
  );
  await store.append(raises);
}
