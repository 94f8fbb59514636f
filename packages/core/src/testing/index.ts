export { DIGEST_A, DIGEST_B, functionManifest, foldAll } from './builders.js';
export { testRuleBook, testRulesV2 } from './rule-book.js';
