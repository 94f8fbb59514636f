/**
 * repairLog: the deliberate answer to LogCorruptionError. It cuts each damaged log at its first
 * bad record and drops everything after it, later segments included, and reports what went.
 */
import { join } from 'node:path';
import { isMissing, truncateFile } from './durable-fs.js';
import { hasValidFrameAfter, scanFile } from './file-scan.js';
import { acquireLock } from './lock-file.js';
import { OFFSETS_FILE, offsetEntryFormat } from './offsets-store.js';
import { assertTopicName, listTopicNames } from './segment-files.js';
import { cutTopic } from './topic-recovery.js';
import { scanTopic } from './topic-scan.js';

export interface LogRepair {
  /** The topic repaired; absent for the consumer offsets file. */
  topic?: string;
  /** The file cut. */
  file: string;
  /** Byte position it was cut at. */
  offset: number;
  /** The first record offset (or offsets.log entry index) removed. */
  recordOffset: number;
  reason: string;
  bytesRemoved: number;
  /** Later segment files deleted whole. */
  filesRemoved: string[];
  /** Whether valid records were dropped after the damage (false: it was only a damaged tail). */
  droppedValidRecords: boolean;
}

/**
 * Repairs one topic, or every topic and the offsets file. Takes the writer lock, so it fails with
 * LogLockedError while a writer has the log open.
 */
export async function repairLog(dir: string, topic?: string): Promise<LogRepair[]> {
  if (topic !== undefined) assertTopicName(topic);
  const lock = await acquireLock(dir);
  try {
    const repairs: LogRepair[] = [];
    for (const name of topic === undefined ? await listTopicNames(dir) : [topic]) {
      const repair = await repairTopic(dir, name);
      if (repair) repairs.push(repair);
    }
    if (topic === undefined) {
      const repair = await repairOffsets(dir);
      if (repair) repairs.push(repair);
    }
    return repairs;
  } finally {
    await lock.release();
  }
}

async function repairTopic(dir: string, name: string): Promise<LogRepair | undefined> {
  const { problem } = await scanTopic(dir, name);
  if (!problem) return undefined;
  await cutTopic(problem, true);
  const filesRemoved = problem.reason === 'offset-gap' ? [problem.file, ...problem.laterFiles] : problem.laterFiles;
  return {
    topic: name,
    file: problem.file,
    offset: problem.position,
    recordOffset: problem.recordOffset,
    reason: problem.reason,
    bytesRemoved: problem.bytesAfter,
    filesRemoved,
    droppedValidRecords: problem.followedByValid,
  };
}

async function repairOffsets(dir: string): Promise<LogRepair | undefined> {
  const file = join(dir, OFFSETS_FILE);
  const scan = await scanFile(file, offsetEntryFormat).catch((error: unknown) => {
    if (isMissing(error)) return undefined;
    throw error;
  });
  const problem = scan?.problem;
  if (!scan || !problem) return undefined;
  const droppedValidRecords = await hasValidFrameAfter(file, problem.position, offsetEntryFormat);
  await truncateFile(file, problem.position, true);
  return {
    file,
    offset: problem.position,
    recordOffset: problem.frameIndex,
    reason: problem.reason,
    bytesRemoved: scan.fileBytes - problem.position,
    filesRemoved: [],
    droppedValidRecords,
  };
}
