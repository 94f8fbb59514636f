import type { EventOf } from '../events.js';
import { rejected, type ClusterState } from '../state.js';
import type { FoldContext, HandlerResult } from '../fold/context.js';
import { namespaceDeleted } from '../fold/namespaces.js';
import { rulesV1, type FoldRules, type RuleBook } from '../fold/rules.js';

/**
 * A rule that judges one event differently, for tests of the switch of versions: version 1
 * deletes a namespace with its functions; this one refuses while the namespace holds any.
 */
function namespaceDeletedOnlyWhenEmpty(state: ClusterState, event: EventOf<'NamespaceDeleted'>, _ctx: FoldContext): HandlerResult {
  const { name } = event.data;
  const held = [...state.functions.keys()].filter((key) => key.startsWith(`${name}/`));
  if (held.length) return { rejected: rejected('conflict', `namespace ${name} still holds ${held.length} function(s)`) };
  return namespaceDeleted(state, event);
}

export const testRulesV2: FoldRules = { ...rulesV1, NamespaceDeleted: namespaceDeletedOnlyWhenEmpty };

/** Versions 1 (this build's rules) and 2 (testRulesV2): a build one release ahead of this one. */
export const testRuleBook: RuleBook = new Map([
  [1, rulesV1],
  [2, testRulesV2],
]);
