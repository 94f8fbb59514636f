import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  apply,
  decodeEvent,
  decodeSnapshot,
  encodeEvent,
  encodeSnapshot,
  initialState,
  openStateStore,
  skipInvalid,
  snapshotChunks,
  STATE_TOPIC,
  type ClusterState,
  type SnapshotStorage,
} from '@tide/core';
import { openEmbeddedLog, openSnapshotFiles } from '@tide/log';
import { generateStateEvents, STREAM } from './state-events.js';
import { median } from './stats.js';
import type { TempDirs } from './temp-dirs.js';

export const REPLAY_BENCH = { events: STREAM.events, snapshotOffset: 98_999, runs: 3 };

export interface ReplayBenchResult {
  events: number;
  accepted: number;
  acceptedShare: number;
  byType: Record<string, number>;
  logBytes: number;
  /** Decode + fold of every record in memory, no log: the floor under a full replay. */
  foldOnlyMs: number;
  logOpenMs: number;
  full: { ms: number; runsMs: number[]; eventsPerSecond: number };
  fromSnapshot: { ms: number; runsMs: number[]; snapshotOffset: number; snapshotBytes: number; tailEvents: number };
  /** Encoding the state at the snapshot offset and saving it (fsync, rename); loading it back and decoding it. */
  snapshotWriteMs: number;
  snapshotLoadMs: number;
  identicalState: true;
}

/** Two replays of one state stream disagreed: a snapshot plus its tail is not the full fold. */
export class ReplayMismatchError extends Error {
  constructor(
    readonly what: string,
    readonly expectedBytes: number,
    readonly actualBytes: number,
  ) {
    super(`replay mismatch: ${what} (${actualBytes} bytes of encoded state, expected ${expectedBytes} bytes with identical content)`);
    this.name = 'ReplayMismatchError';
  }
}

/** Start-up of the fold from 100 000 events: a full replay versus a snapshot near the end plus the tail. */
export async function runReplayBench(temp: TempDirs): Promise<ReplayBenchResult> {
  const dir = await temp.make('tide-bench-replay-');
  const logDir = join(dir, 'log');
  const records = generateStateEvents(REPLAY_BENCH.events).map((event) => encodeEvent(event));
  await writeLog(logDir, records);

  const reference = foldInMemory(records, REPLAY_BENCH.snapshotOffset);
  const snapshots = await openSnapshotFiles(join(dir, 'snapshots'));
  // As the store's writer saves one: chunks streamed to the file as they are encoded.
  const writeStarted = performance.now();
  await snapshots.save(REPLAY_BENCH.snapshotOffset, snapshotChunks(reference.atSnapshot));
  const snapshotWriteMs = performance.now() - writeStarted;
  const loadStarted = performance.now();
  const snapshotBytes = (await snapshots.load())!.bytes;
  decodeSnapshot(snapshotBytes);
  const snapshotLoadMs = performance.now() - loadStarted;
  const expected = encodeSnapshot(reference.final);

  const fullRuns: number[] = [];
  const snapshotRuns: number[] = [];
  const openRuns: number[] = [];
  // Interleaved, so a slow moment of the machine does not land on one variant only.
  for (let run = 0; run < REPLAY_BENCH.runs; run++) {
    const full = await timeStartUp(logDir, undefined);
    const tail = await timeStartUp(logDir, snapshots);
    checkIdentical(`full replay, run ${run + 1}`, expected, full.state);
    checkIdentical(`snapshot at ${REPLAY_BENCH.snapshotOffset} + tail, run ${run + 1}`, expected, tail.state);
    fullRuns.push(full.storeMs);
    snapshotRuns.push(tail.storeMs);
    openRuns.push(full.logOpenMs, tail.logOpenMs);
  }
  const fullMs = median(fullRuns);
  return {
    events: records.length,
    accepted: reference.accepted,
    acceptedShare: reference.accepted / records.length,
    byType: reference.byType,
    logBytes: records.reduce((sum, r) => sum + r.byteLength, 0),
    foldOnlyMs: reference.foldMs,
    logOpenMs: median(openRuns),
    full: { ms: fullMs, runsMs: fullRuns, eventsPerSecond: records.length / (fullMs / 1000) },
    fromSnapshot: {
      ms: median(snapshotRuns),
      runsMs: snapshotRuns,
      snapshotOffset: REPLAY_BENCH.snapshotOffset,
      snapshotBytes: snapshotBytes.byteLength,
      tailEvents: records.length - 1 - REPLAY_BENCH.snapshotOffset,
    },
    snapshotWriteMs,
    snapshotLoadMs,
    identicalState: true,
  };
}

async function writeLog(logDir: string, records: readonly Uint8Array[]): Promise<void> {
  // Scratch data: no fsync, large batches; only reading it back is measured.
  const log = await openEmbeddedLog(logDir, { fsync: false });
  try {
    for (let from = 0; from < records.length; from += 1_000) {
      await log.append(
        STATE_TOPIC,
        records.slice(from, from + 1_000).map((value) => ({ value })),
      );
    }
  } finally {
    await log.close();
  }
}

/** The fold as every reader runs it, without a log: verdict counts, the state at the snapshot offset, the end state. */
function foldInMemory(records: readonly Uint8Array[], snapshotOffset: number) {
  let state: ClusterState = initialState;
  let atSnapshot: ClusterState | undefined;
  let accepted = 0;
  const byType: Record<string, number> = {};
  const started = performance.now();
  records.forEach((bytes, offset) => {
    const decoded = decodeEvent(offset, bytes);
    const result = decoded.ok ? apply(state, decoded.event) : skipInvalid(state, offset, decoded.reason);
    state = result.state;
    if (result.verdict.accepted) accepted++;
    const type = decoded.ok ? decoded.event.type : 'invalid';
    byType[type] = (byType[type] ?? 0) + 1;
    if (offset === snapshotOffset) atSnapshot = state;
  });
  const foldMs = performance.now() - started;
  if (!atSnapshot) throw new Error(`the stream has no offset ${snapshotOffset} (only ${records.length} records)`);
  return { final: state, atSnapshot, accepted, byType, foldMs };
}

/** Opens the log afresh (as a start-up does), then times openStateStore until it has caught up. */
async function timeStartUp(logDir: string, snapshots: SnapshotStorage | undefined) {
  const openStarted = performance.now();
  const log = await openEmbeddedLog(logDir, { readOnly: true });
  const logOpenMs = performance.now() - openStarted;
  try {
    const started = performance.now();
    const store = await openStateStore({ log, ...(snapshots ? { snapshots } : {}) });
    const storeMs = performance.now() - started;
    const state = store.state();
    await store.close();
    return { logOpenMs, storeMs, state };
  } finally {
    await log.close();
  }
}

function checkIdentical(what: string, expected: Uint8Array, state: ClusterState): void {
  const actual = encodeSnapshot(state);
  if (Buffer.compare(Buffer.from(expected), Buffer.from(actual)) !== 0) throw new ReplayMismatchError(what, expected.byteLength, actual.byteLength);
}
