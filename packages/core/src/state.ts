import type { Namespace } from './resources/namespace.js';
import type { Revision, TideFunction } from './resources/function.js';
import type { Pod, TideNode } from './resources/pod.js';
import { emptyIdWindow, type IdWindow } from './fold/id-window.js';

/** Cluster state: a pure fold of the state stream. Maps are keyed by `namespace/name` (or name). */
export interface ClusterState {
  /** Offset of the last event folded in; -1 before the first. */
  offset: number;
  namespaces: Readonly<Record<string, Namespace>>;
  functions: Readonly<Record<string, TideFunction>>;
  revisions: Readonly<Record<string, Revision>>;
  pods: Readonly<Record<string, Pod>>;
  nodes: Readonly<Record<string, TideNode>>;
  recentEventIds: IdWindow;
}

export const initialState: ClusterState = Object.freeze({
  offset: -1,
  namespaces: {},
  functions: {},
  revisions: {},
  pods: {},
  nodes: {},
  recentEventIds: emptyIdWindow,
});

export type RejectionCode = 'conflict' | 'not-found' | 'already-exists' | 'invalid' | 'duplicate';

export type Rejection = { accepted: false; code: RejectionCode; reason: string };
export type Verdict = { accepted: true } | Rejection;

export const accepted: Verdict = Object.freeze({ accepted: true });

export function rejected(code: RejectionCode, reason: string): Rejection {
  return { accepted: false, code, reason };
}
