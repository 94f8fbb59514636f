import { join } from 'node:path';
import { openStateStore, type StateStore } from '@tide/core';
import { openSnapshotFiles } from '@tide/log';
import { openClusterLog, type ClusterLog } from './cluster-log.js';
import { observeConsumerLag } from './consumer-lag.js';
import { describeLogSource, type LogSource } from './log-source.js';
import { StartupError } from './startup-error.js';

/**
 * The event log a process runs on and the cluster state folded from it. One per process: in
 * `tide up` the control plane, gateway and node share it; whoever opened it closes it, last.
 */
export interface ProcessState {
  source: LogSource;
  log: ClusterLog;
  store: StateStore;
  close(): Promise<void>;
}

export interface ProcessStateOptions {
  source: LogSource;
  /** Lines for the process's output: warnings about the log, outages, a state stream that lost its history. */
  report: (line: string) => void;
  onError: (error: Error) => void;
}

/**
 * Opens the log and folds it. Snapshots (a cache of the fold) are kept only beside the embedded log
 * this process owns; on Kafka or through another process's log API the fold replays the topic.
 */
export async function openProcessState(options: ProcessStateOptions): Promise<ProcessState> {
  const { source, report, onError } = options;
  const log = await openClusterLog(source, report);
  let store: StateStore;
  try {
    const snapshots = source.kind === 'embedded' ? await openSnapshotFiles(join(source.dataDir, 'snapshots'), { onWarning: report }) : undefined;
    const writer = source.kind === 'kafka' ? source.writer : undefined;
    store = await openStateStore({ log, ...(snapshots ? { snapshots } : {}), ...(writer === undefined ? {} : { writer }), onError });
  } catch (error) {
    await log.close();
    if (error instanceof StartupError) throw error;
    throw new StartupError(`cannot read the state log from ${describeLogSource(source)}: ${(error as Error).message}`);
  }
  reportStateResets(store, report);
  const stopObservingLag = observeConsumerLag(log, store);
  return {
    source,
    log,
    store,
    async close() {
      stopObservingLag();
      await store.close();
      await log.close();
    },
  };
}

/** Says, in the process's output, that the state stream lost its history and the process starts over. */
function reportStateResets(store: StateStore, report: (line: string) => void): void {
  store.onReset((reason) =>
    report(
      `event log: ${reason.message.split(';')[0]}. Starting over from the log as it is now: ` +
        'functions, pods and nodes recorded before are gone (nodes register again; deploy functions again)',
    ),
  );
}

/** The log a component runs on: its own (`source`: opened by it, closed when it stops) or one shared by whoever composed it. */
export type ComponentLog = { source: LogSource } | { shared: ProcessState };

/**
 * The state a component runs on, and what it must do with it when it stops: close it if it opened
 * it, leave it to its opener if it was shared.
 */
export async function componentState(
  log: ComponentLog,
  report: (line: string) => void,
  onError: (error: Error) => void,
): Promise<{ state: ProcessState; release(): Promise<void> }> {
  if ('shared' in log) return { state: log.shared, release: async () => {} };
  const state = await openProcessState({ source: log.source, report, onError });
  return { state, release: () => state.close() };
}
