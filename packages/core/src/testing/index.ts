export { DIGEST_A, DIGEST_B, functionManifest, triggerManifest, foldAll, newestRules } from './builders.js';
export { aheadRuleBook, testRuleBook, testRulesV2, v1RuleBook } from './rule-book.js';
export { formatThreeJson } from './older-snapshot.js';
