export { DIGEST_A, DIGEST_B, functionManifest, foldAll } from './builders.js';
export { aheadRuleBook, testRuleBook, testRulesV2, v1RuleBook } from './rule-book.js';
