import type { ApplyFloodResult } from './apply-flood-bench.js';
import type { ReplayBenchResult } from './replay-bench.js';
import { formatCell, renderTable } from './table.js';

/** Issue 14's goal for a full replay. */
export const REPLAY_GOAL_EVENTS_PER_SECOND = 100_000;

/** The replay's figures against their goal, and what a snapshot costs to write and to load. */
export function replayGoalReport(r: ReplayBenchResult): string {
  const met = r.full.eventsPerSecond >= REPLAY_GOAL_EVENTS_PER_SECOND;
  return [
    `full replay: ${formatCell(r.full.eventsPerSecond)} events/s, goal ≥ ${formatCell(REPLAY_GOAL_EVENTS_PER_SECOND)}: ${met ? 'met' : 'NOT met'} (fold alone, in memory: ${formatCell(r.events / (r.foldOnlyMs / 1000))} events/s)`,
    `snapshot of the state at @${r.fromSnapshot.snapshotOffset} (${formatCell(r.fromSnapshot.snapshotBytes / 1e6)} MB): written in ${formatCell(r.snapshotWriteMs)} ms (encode, fsync, rename), loaded in ${formatCell(r.snapshotLoadMs)} ms (read, checksum, decode)`,
  ].join('\n');
}

export function applyFloodReport(f: ApplyFloodResult): string {
  const table = renderTable(
    `2b. Apply flood: ${formatCell(f.functions)} functions with ${formatCell(f.envBytes / 1000)} KB of env each, on tide up --nodes 0, then kill -9 and restart`,
    ['figure', 'value'],
    [
      ['apply p50 / p99 / max ms', `${formatCell(f.applyMs.p50)} / ${formatCell(f.applyMs.p99)} / ${formatCell(f.applyMs.max)}`],
      ['flood took s', f.floodSeconds],
      ['RSS before → after MB', `${formatCell(f.rssBeforeMb)} → ${formatCell(f.rssAfterMb)}`],
      [
        'RSS per function vs its data KB',
        `${formatCell(f.rssPerFunctionKb)} vs ${formatCell(f.dataPerFunctionKb)} (${(f.rssPerFunctionKb / f.dataPerFunctionKb).toFixed(2)} ×)`,
      ],
      ['log MB', f.logBytes / 1e6],
      ['snapshots kept / newest MB', `${f.snapshots.files} / ${formatCell(f.snapshots.newestBytes / 1e6)}`],
      ['restart after kill -9 ms', f.restartMs],
      ['RSS after restart MB', f.rssAfterRestartMb],
    ],
  );
  return table;
}
