import { Map as PersistentMap } from 'immutable';
import type { Namespace } from './resources/namespace.js';
import type { Revision, TideFunction } from './resources/function.js';
import type { Pod, TideNode } from './resources/pod.js';
import type { Trigger } from './resources/trigger.js';
import type { Token } from './resources/token.js';
import type { Secret } from './resources/secret.js';
import { emptyIdWindow, type IdWindow } from './fold/id-window.js';
import { emptyUsageIndex, type UsageIndex } from './fold/usage.js';

/**
 * A persistent map: `set`/`delete` return a new map that shares everything unchanged with the old
 * one, so folding an event costs O(log n), not a copy of every pod (which made a 100 000-event
 * replay take 12 s). Read it like a ReadonlyMap: get, has, size, values(), entries().
 */
export type ResourceMap<T> = PersistentMap<string, T>;

/** Cluster state: a pure fold of the state stream. Maps are keyed by `namespace/name` (or name). */
export interface ClusterState {
  /** Offset of the last event folded in; -1 before the first. */
  offset: number;
  namespaces: ResourceMap<Namespace>;
  functions: ResourceMap<TideFunction>;
  revisions: ResourceMap<Revision>;
  pods: ResourceMap<Pod>;
  nodes: ResourceMap<TideNode>;
  /** Keyed `namespace/name`; rules version 3 and later. */
  triggers: ResourceMap<Trigger>;
  /** Keyed by name (cluster-scoped); rules version 4 and later. Hashes only, never secrets. */
  tokens: ResourceMap<Token>;
  /** Keyed `namespace/name`; rules version 4 and later. Sealed values only, never plaintext. */
  secrets: ResourceMap<Secret>;
  /** Who leads each role (controllers, scheduler, autoscaler) and since which epoch. */
  leaders: Readonly<Record<string, Leadership>>;
  recentEventIds: IdWindow;
  /** The version of the fold's rules in force (1 for logs and snapshots from before versioning). */
  rulesVersion: number;
  /** Set when the log switched to rules this process does not know: it folds nothing further. */
  halted?: FoldHalt;
  /**
   * Each namespace's pods, memory and functions, kept as events are folded (fold/usage.ts) so a
   * quota is judged without counting the cluster. Derived from pods and functions, so snapshots
   * do not store it: absent after a snapshot's load until the next accepted event counts it.
   */
  usage?: UsageIndex;
}

/**
 * Where and why a fold stopped: judging the next events by rules it does not know would be a
 * guess that other readers need not share, so the process must be upgraded instead.
 */
export interface FoldHalt {
  /** Offset of the RulesVersionRaised event (or snapshot) that asked for the unknown rules. */
  offset: number;
  version: number;
  /** The highest rules version this process knows. */
  supported: number;
  reason: string;
}

export interface Leadership {
  epoch: number;
  holder: string;
  /** Offset of the LeaderElected event: the leadership's resourceVersion. */
  resourceVersion: string;
}

export function emptyResourceMap<T>(): ResourceMap<T> {
  return PersistentMap<string, T>();
}

export const initialState: ClusterState = Object.freeze({
  offset: -1,
  namespaces: emptyResourceMap<Namespace>(),
  functions: emptyResourceMap<TideFunction>(),
  revisions: emptyResourceMap<Revision>(),
  pods: emptyResourceMap<Pod>(),
  nodes: emptyResourceMap<TideNode>(),
  triggers: emptyResourceMap<Trigger>(),
  tokens: emptyResourceMap<Token>(),
  secrets: emptyResourceMap<Secret>(),
  leaders: {},
  recentEventIds: emptyIdWindow,
  rulesVersion: 1,
  usage: emptyUsageIndex,
});

/**
 * `state` at `offset`, remembering `recentEventIds`: the fold's one copy of the state per event.
 * Every field named, not a spread: V8 copies an object that was itself made by a spread through a
 * slow path (~0.3 µs for these 13 fields, 20 ns for a literal), and each state was the spread of
 * the one before. A handler's spread of this literal-made copy is fast again.
 */
export function stateAt(state: ClusterState, offset: number, recentEventIds: IdWindow): ClusterState {
  // Required: a field added to ClusterState fails to compile here until it is copied too.
  const copy: Omit<Required<ClusterState>, 'halted' | 'usage'> & Pick<ClusterState, 'halted' | 'usage'> = {
    offset,
    namespaces: state.namespaces,
    functions: state.functions,
    revisions: state.revisions,
    pods: state.pods,
    nodes: state.nodes,
    triggers: state.triggers,
    tokens: state.tokens,
    secrets: state.secrets,
    leaders: state.leaders,
    recentEventIds,
    rulesVersion: state.rulesVersion,
  };
  // Present or absent as in `state`, as a spread would leave them (a snapshot's state has no usage).
  if ('halted' in state) copy.halted = state.halted;
  if ('usage' in state) copy.usage = state.usage;
  return copy;
}

/** The kinds of resource held in state, by the name of their collection. */
export const COLLECTIONS = ['namespaces', 'functions', 'revisions', 'pods', 'nodes', 'triggers', 'tokens', 'secrets'] as const;
export type Collection = (typeof COLLECTIONS)[number];

/** `unsupported-rules`: the log uses fold rules newer than this process knows (see FoldHalt). */
export type RejectionCode = 'conflict' | 'not-found' | 'already-exists' | 'invalid' | 'duplicate' | 'forbidden' | 'unsupported-rules';

export type Rejection = { accepted: false; code: RejectionCode; reason: string };
export type Verdict = { accepted: true } | Rejection;

export const accepted: Verdict = Object.freeze({ accepted: true });

export function rejected(code: RejectionCode, reason: string): Rejection {
  return { accepted: false, code, reason };
}
