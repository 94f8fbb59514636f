/**
 * Opening a topic after a crash: a damaged tail (torn frame, zeros, garbage, a final record
 * whose checksum fails) is what an interrupted write leaves, so it is cut off with a warning.
 * A bad record followed by valid ones is not something a crash produces: open fails.
 */
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDir, truncateFile } from './durable-fs.js';
import { LogCorruptionError } from './errors.js';
import { sleep } from './notifier.js';
import type { Topic } from './topic.js';
import { scanTopic, type TopicProblem } from './topic-scan.js';

export interface LogWarning {
  code: 'truncated-tail';
  message: string;
  file: string;
  /** Byte position the file was cut at. */
  offset: number;
  /** The offset the first removed record would have had. */
  recordOffset: number;
  bytesRemoved: number;
  reason: string;
}

export interface RecoveryOptions {
  readOnly: boolean;
  fsync: boolean;
  onWarning: (warning: LogWarning) => void;
}

/** A readOnly opener may catch the writer mid-write; it looks again before calling it corruption. */
const READ_ONLY_RETRIES = 3;
const READ_ONLY_RETRY_MS = 30;

export async function recoverTopic(dir: string, name: string, options: RecoveryOptions): Promise<Topic> {
  for (let attempt = 0; ; attempt++) {
    const { topic, problem } = await scanTopic(dir, name);
    if (!problem) return topic;
    if (problem.followedByValid) {
      if (options.readOnly && attempt < READ_ONLY_RETRIES) {
        await sleep(READ_ONLY_RETRY_MS);
        continue;
      }
      throw new LogCorruptionError(problem.file, problem.position, problem.recordOffset, problem.reason);
    }
    // readOnly: the valid prefix is the view; the bytes after it may still be being written.
    if (options.readOnly) return topic;
    await cutTopic(problem, options.fsync);
    options.onWarning(truncationWarning(problem));
    return topic;
  }
}

/** Drops everything from the problem on: the rest of its file and every later segment. */
export async function cutTopic(problem: TopicProblem, fsync: boolean): Promise<void> {
  // A misnumbered segment is removed whole; a damaged one keeps its valid prefix.
  if (problem.reason === 'offset-gap') await rm(problem.file, { force: true });
  else await truncateFile(problem.file, problem.position, fsync);
  for (const file of problem.laterFiles) await rm(file, { force: true });
  if (fsync) await fsyncDir(dirname(problem.file));
}

function truncationWarning(problem: TopicProblem): LogWarning {
  return {
    code: 'truncated-tail',
    message:
      `truncated damaged tail of ${problem.file} at byte ${problem.position} ` +
      `(${problem.reason}, ${problem.bytesAfter} bytes removed, next offset ${problem.recordOffset})`,
    file: problem.file,
    offset: problem.position,
    recordOffset: problem.recordOffset,
    bytesRemoved: problem.bytesAfter,
    reason: problem.reason,
  };
}
