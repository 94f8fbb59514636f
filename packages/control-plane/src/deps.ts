import type { StateLog, StateStore } from '@tide/core';
import type { ArtifactStore } from './adapters/artifact-store.js';

export interface ControlPlaneDeps {
  store: StateStore;
  /** The log the store folds, read directly to stream history to watchers. */
  log: StateLog;
  artifacts: ArtifactStore;
  limits: { manifestBytes: number; artifactBytes: number };
}
