import type { EventOf } from '../events.js';
import { rejected, type ClusterState } from '../state.js';
import type { FoldContext, HandlerResult } from '../fold/context.js';
import { namespaceDeleted } from '../fold/namespaces.js';
import { RULE_BOOK, SUPPORTED_RULES_VERSION, rulesV1, type FoldRules, type RuleBook } from '../fold/rules.js';

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

/** Version 1 alone: a build of the release before rules version 2. */
export const v1RuleBook: RuleBook = new Map([[1, rulesV1]]);

/** Versions 1 and 2 (testRulesV2): for tests of a switch from 1 to 2 seen by a v1RuleBook build. */
export const testRuleBook: RuleBook = new Map([
  [1, rulesV1],
  [2, testRulesV2],
]);

/** This build's versions and one more (the last with testRulesV2's rule): a build one release ahead. */
export const aheadRuleBook: RuleBook = new Map([
  ...RULE_BOOK,
  [SUPPORTED_RULES_VERSION + 1, { ...RULE_BOOK.get(SUPPORTED_RULES_VERSION)!, NamespaceDeleted: testRulesV2.NamespaceDeleted }],
]);
