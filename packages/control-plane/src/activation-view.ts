import {
  ACTIVATIONS_TOPIC,
  applyActivationRecord,
  decodeActivationRecord,
  emptyActivationView,
  followTopic,
  type ActivationView,
  type Clock,
} from '@tide/core';
import type { ControlPlaneLog } from './deps.js';

export interface FollowedActivations {
  /** The view as folded so far (bounded: see activation-view.ts in @tide/core). */
  view(): ActivationView;
  stop(): Promise<void>;
}

/** Folds tide.activations (written by the triggers process's async worker) into the view the API serves. */
export function followActivations(log: ControlPlaneLog, options: { clock?: Clock; onError?: (error: Error) => void } = {}): FollowedActivations {
  let view = emptyActivationView();
  const stop = new AbortController();
  const following = followTopic(log, ACTIVATIONS_TOPIC, {
    name: 'activations',
    from: 0,
    signal: stop.signal,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
    onRewound: () => {
      view = emptyActivationView();
    },
    onRecord: (record) => {
      const activation = decodeActivationRecord(record.value);
      if (activation) view = applyActivationRecord(view, activation);
    },
  });
  return {
    view: () => view,
    stop: async () => {
      stop.abort();
      await following;
    },
  };
}
