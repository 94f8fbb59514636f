import type { ActivationView, StateStore } from '@tide/core';
import type { TopicBus } from '@tide/topics';
import type { ArtifactStore } from './adapters/artifact-store.js';
import type { Sealer } from './secret-commands.js';

export interface ControlPlaneDeps {
  store: StateStore;
  /** The log the store folds: read to stream history to watchers, and served to other processes. */
  log: ControlPlaneLog;
  artifacts: ArtifactStore;
  /** Namespaces' topics (the records API); absent, that API answers 503. */
  bus?: TopicBus;
  /** Request body limits: manifests and other API bodies, artifacts, log appends (default 8 MiB). */
  limits: { manifestBytes: number; artifactBytes: number; logBytes?: number };
  /** Activations of async calls, folded from tide.activations (absent: none served). */
  activations?: () => ActivationView;
  /** Seals and opens secrets' values (secrets/secret-keyring.ts); absent, the secrets API answers 503. */
  sealer?: Sealer;
}

/** The slice of the EventLog port the control plane uses (declared here, by its consumer). */
export interface ControlPlaneLog {
  append(topic: string, records: readonly { value: Uint8Array; key?: string; headers?: Record<string, string> }[]): Promise<number[]>;
  read(
    topic: string,
    fromOffset: number,
    options?: { follow?: boolean; signal?: AbortSignal },
  ): AsyncIterable<{ offset: number; timestamp: number; key: string | null; headers: Record<string, string>; value: Uint8Array }>;
  endOffset(topic: string): Promise<number>;
  commitOffset(group: string, topic: string, offset: number): Promise<void>;
  committedOffset(group: string, topic: string): Promise<number | undefined>;
}
