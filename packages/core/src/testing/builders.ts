import type { EventEnvelope, LoggedEvent } from '../events.js';
import type { z } from 'zod';
import { FunctionManifest, type FunctionSpec } from '../resources/function.js';
import { apply } from '../fold/apply.js';
import { RULE_BOOK, type RuleBook } from '../fold/rules.js';
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
