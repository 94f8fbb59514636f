import type { EventOf, TideEvent, TideEventType } from '../events.js';
import { rejected, type ClusterState } from '../state.js';
import type { FoldContext, HandlerResult } from './context.js';
import { namespaceApplied, namespaceDeleted } from './namespaces.js';
import { functionApplied, functionDeleted, rolloutUndone, scaleSet } from './functions.js';
import { podBound, podCreated, podDeletionRequested, podRemoved, podStatusReported, podUnschedulable } from './pods.js';
import { nodeCordoned, nodeDeleted, nodeReadinessChanged, nodeRegistered } from './nodes.js';
import { leaderElected } from './leaders.js';
import { cronFired, cronSkipped, triggerApplied, triggerDeleted } from './triggers.js';
import { tokenCreated, tokenRevoked } from './tokens.js';
import { secretApplied, secretDeleted } from './secrets.js';
import { takesSecrets } from '../resources/function-env.js';

/** Every event but the switch of rules itself, which every version judges alike (rules-version.ts). */
export type JudgedEventType = Exclude<TideEventType, 'RulesVersionRaised'>;

export type EventHandler<T extends JudgedEventType> = (state: ClusterState, event: EventOf<T>, ctx: FoldContext) => HandlerResult;

/** One version of the fold's rules: a handler for every event type (the compiler checks it is total). */
export type FoldRules = { readonly [T in JudgedEventType]: EventHandler<T> };

/**
 * The versions of the rules this build knows, 1..N with none missing. A rule never changes in
 * place: a changed rule is a new version (a copy of the last with that handler replaced), so a
 * log is judged the same by every build that knows its versions, before and after an upgrade.
 */
export type RuleBook = ReadonlyMap<number, FoldRules>;

/** What a version before 3 answers to the events of triggers, which it does not know. */
function needsVersion3(what: string) {
  return (state: ClusterState) => ({
    rejected: rejected(
      'unsupported-rules',
      `${what} needs fold rules version 3; the cluster still runs version ${state.rulesVersion} (it switches once every member speaks 3)`,
    ),
  });
}

/** What a version before 4 answers to the events of tokens, which it does not know. */
function needsVersion4(what: string) {
  return (state: ClusterState) => ({
    rejected: rejected(
      'unsupported-rules',
      `${what} needs fold rules version 4; the cluster still runs version ${state.rulesVersion} (it switches once every member speaks 4)`,
    ),
  });
}

/**
 * A function whose pods take secrets (envFrom, or an env var's secretKeyRef) before version 4: a
 * release that does not know secrets could not run them, and decodes no such event at all. Before
 * either existed no event had it, so this judges every older log as version 1 always did.
 */
const functionAppliedBeforeSecrets: EventHandler<'FunctionApplied'> = (state, event, ctx) => {
  const { spec, metadata } = event.data.manifest;
  if (spec.envFrom?.length) return needsVersion4(`function ${metadata.name}'s envFrom`)(state);
  if (takesSecrets(spec)) return needsVersion4(`function ${metadata.name}'s env from a secret (secretKeyRef)`)(state);
  return functionApplied(state, event, ctx);
};

/** The rules of every release before rules were versioned. */
export const rulesV1: FoldRules = {
  NamespaceApplied: namespaceApplied,
  NamespaceDeleted: namespaceDeleted,
  FunctionApplied: functionAppliedBeforeSecrets,
  FunctionDeleted: functionDeleted,
  ScaleSet: scaleSet,
  RolloutUndone: rolloutUndone,
  PodCreated: podCreated,
  PodBound: podBound,
  PodDeletionRequested: podDeletionRequested,
  PodStatusReported: podStatusReported,
  PodRemoved: podRemoved,
  PodUnschedulable: podUnschedulable,
  NodeRegistered: nodeRegistered,
  NodeCordoned: nodeCordoned,
  NodeReadinessChanged: nodeReadinessChanged,
  LeaderElected: leaderElected,
  // Releases before version 2 did not know the event: a log judged by version 1 keeps the node.
  NodeDeleted: (_state, event) => ({
    rejected: rejected(
      'unsupported-rules',
      `deleting node ${event.data.name} needs fold rules version 2; the cluster still runs version 1 (it switches once every member speaks 2)`,
    ),
  }),
  TriggerApplied: needsVersion3('applying a trigger'),
  TriggerDeleted: needsVersion3('deleting a trigger'),
  CronFired: needsVersion3('firing a cron trigger'),
  CronSkipped: needsVersion3('skipping a cron tick'),
  TokenCreated: needsVersion4('creating a token'),
  TokenRevoked: needsVersion4('revoking a token'),
  SecretApplied: needsVersion4('applying a secret'),
  SecretDeleted: needsVersion4('deleting a secret'),
};

/** Version 2: `tide delete node` (NodeDeleted) removes a node that is not ready, with its pods. */
export const rulesV2: FoldRules = { ...rulesV1, NodeDeleted: nodeDeleted };

/** Version 3: triggers (TriggerApplied/Deleted) and cron firings, exactly one per tick (CronFired/Skipped). */
export const rulesV3: FoldRules = {
  ...rulesV2,
  TriggerApplied: triggerApplied,
  TriggerDeleted: triggerDeleted,
  CronFired: cronFired,
  CronSkipped: cronSkipped,
};

/**
 * Version 4: bearer tokens (TokenCreated/Revoked), secrets (SecretApplied/Deleted, sealed values
 * only) and functions that take them (envFrom, secretKeyRef), and every event judged on its writer's rights
 * first (writer-rights.ts): before 4 anyone who could append was believed.
 */
export const rulesV4: FoldRules = {
  ...rulesV3,
  FunctionApplied: functionApplied,
  TokenCreated: tokenCreated,
  TokenRevoked: tokenRevoked,
  SecretApplied: secretApplied,
  SecretDeleted: secretDeleted,
};

export const RULE_BOOK: RuleBook = new Map([
  [1, rulesV1],
  [2, rulesV2],
  [3, rulesV3],
  [4, rulesV4],
]);

/** The first version whose fold judges writers' rights (writer-rights.ts). */
export const WRITER_RIGHTS_SINCE = 4;

/** The highest version a book knows: what a process built with it says it speaks. */
export function highestVersion(book: RuleBook): number {
  return Math.max(...book.keys());
}

export const SUPPORTED_RULES_VERSION = highestVersion(RULE_BOOK);

/** Judges an event by one version's rules. */
export function judge(rules: FoldRules, state: ClusterState, event: Exclude<TideEvent, { type: 'RulesVersionRaised' }>, ctx: FoldContext): HandlerResult {
  // The table is keyed by type, so the handler found takes this event's type; TypeScript cannot
  // correlate the two through the union, hence the widening.
  const handler = rules[event.type] as (state: ClusterState, event: TideEvent, ctx: FoldContext) => HandlerResult;
  return handler(state, event, ctx);
}
