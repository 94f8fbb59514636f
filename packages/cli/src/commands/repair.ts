import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { STATE_TOPIC } from '@tide/core';
import { LogLockedError, openSnapshotFiles, repairLog } from '@tide/log';
import { CliError } from '../api-client.js';

/** `tide log repair`: cuts the log at its first damaged record, and drops snapshots past the cut. */
export async function repairStateLog(dataDir: string): Promise<string> {
  if (!existsSync(join(dataDir, 'log')))
    throw new CliError(`no Tide data in ${dataDir} (it has no log/ directory): name the data directory of \`tide up\` with --data or TIDE_DATA`);
  let repairs;
  try {
    repairs = await repairLog(join(dataDir, 'log'));
  } catch (error) {
    if (error instanceof LogLockedError) throw new CliError(`${dataDir} is in use by a running Tide (pid ${error.pid}): stop it before repairing`);
    throw error;
  }
  if (repairs.length === 0) return `the log in ${dataDir} has no damage: nothing to repair`;
  const lines: string[] = [];
  for (const repair of repairs) {
    lines.push(
      `${repair.topic ?? 'consumer offsets'}: cut ${repair.file} at byte ${repair.offset} (${repair.reason}): ` +
        `records from ${repair.recordOffset} on removed (${repair.bytesRemoved} bytes${repair.filesRemoved.length ? `, ${repair.filesRemoved.length} later segment files` : ''})`,
    );
    if (repair.topic === STATE_TOPIC) {
      const discarded = await (await openSnapshotFiles(join(dataDir, 'snapshots'))).discardFrom(repair.recordOffset);
      if (discarded.length) lines.push(`snapshots past the cut discarded: ${discarded.join(', ')}`);
    }
  }
  return lines.join('\n');
}
