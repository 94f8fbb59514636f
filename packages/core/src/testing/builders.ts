import type { EventEnvelope, LoggedEvent } from '../events.js';
import type { z } from 'zod';
import { FunctionManifest, type FunctionSpec } from '../resources/function.js';
import { TriggerManifest, type TriggerSpec } from '../resources/trigger.js';
import { apply } from '../fold/apply.js';
import { RULE_BOOK, SUPPORTED_RULES_VERSION, type RuleBook } from '../fold/rules.js';
import type { EventInput } from '../store/state-store.js';
import { initialState, type ClusterState, type Verdict } from '../state.js';

export const DIGEST_A = `sha256:${'a'.repeat(64)}`;
export const DIGEST_B = `sha256:${'b'.repeat(64)}`;

/** A valid Function manifest with defaults applied; `spec` overrides parts of it. */
export function functionManifest(name: string, spec: Partial<z.input<typeof FunctionSpec>> = {}, resourceVersion?: string): FunctionManifest {
  return FunctionManifest.parse({
    apiVersion: 'tide.dev/v1',
    kind: 'Function',
    metadata: { name, ...(resourceVersion === undefined ? {} : { resourceVersion }) },
    spec: { source: { artifact: DIGEST_A }, ...spec },
  });
}

/** A valid Trigger manifest with defaults applied: `spec` names the function and gives kafka or cron. */
export function triggerManifest(name: string, spec: z.input<typeof TriggerSpec>): TriggerManifest {
  return TriggerManifest.parse({ apiVersion: 'tide.dev/v1', kind: 'Trigger', metadata: { name }, spec });
}

/** Folds events given without offsets/ids, numbering them from the state's next offset. */
export function foldAll(
  events: readonly (Omit<EventEnvelope, 'id' | 'time'> & { id?: string })[],
  from: ClusterState = initialState,
  book: RuleBook = RULE_BOOK,
): { state: ClusterState; verdicts: Verdict[] } {
  let state = from;
  const verdicts: Verdict[] = [];
  for (const e of events) {
    const offset = state.offset + 1;
    const logged = { ...e, id: e.id ?? `event-${offset}`, time: new Date(1_700_000_000_000 + offset * 1000).toISOString(), offset } as LoggedEvent;
    const result = apply(state, logged, book);
    state = result.state;
    verdicts.push(result.verdict);
  }
  return { state, verdicts };
}

/**
 * The events that take a fresh log to this build's rules, one version at a time (as a fresh
 * control plane does): a test store must start with them to apply triggers (rules version 3).
 */
export function newestRules(): EventInput[] {
  return Array.from({ length: SUPPORTED_RULES_VERSION - 1 }, (_, i): EventInput => ({ type: 'RulesVersionRaised', data: { version: i + 2 } }));
}
