import { subjectOf, type ClusterState, type LoggedEvent } from '@tide/core';
import { isPending } from './assign.js';

/**
 * Which pods wait for a node, kept up to date by what each event changed: most passes follow a
 * pod's report or removal, with nothing to place, and finding that out by reading every pod made
 * each such pass cost the cluster's size. A pod event changes that pod only; anything else that
 * changed pods (a node's restart or loss) has them read again.
 */
export interface PendingPods {
  /** Called for every record the store folds, with the states before and after it. */
  observe(before: ClusterState, after: ClusterState, event: LoggedEvent | undefined): void;
  /** Whether any pod of `state` is Pending (read from every pod for a state not observed). */
  any(state: ClusterState): boolean;
}

export function pendingPods(): PendingPods {
  let pending: Set<string> | undefined;
  let observed: ClusterState | undefined;
  return {
    observe(before, after, event) {
      observed = after;
      if (!pending || after.pods === before.pods) return;
      const subject = event === undefined ? '' : subjectOf(event);
      if (!subject.startsWith('pods/')) {
        pending = undefined;
        return;
      }
      const key = subject.slice('pods/'.length);
      const pod = after.pods.get(key);
      if (pod && isPending(pod)) pending.add(key);
      else pending.delete(key);
    },
    any(state) {
      if (!pending || state !== observed) {
        pending = new Set();
        for (const [key, pod] of state.pods) if (isPending(pod)) pending.add(key);
        observed = state;
      }
      return pending.size > 0;
    },
  };
}
