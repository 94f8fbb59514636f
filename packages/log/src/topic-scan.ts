/**
 * Reads a topic's segments from disk, checking every record's checksum, and finds the first
 * place where the log stops being whole. Whether that place is a damaged tail (truncate it) or
 * corruption in the middle (refuse to open) depends on whether valid records follow it.
 */
import { readFile, stat } from 'node:fs/promises';
import { hasValidFrameAfter, scanFile } from './file-scan.js';
import { findValidFrame } from './frame-scan.js';
import { recordFormat } from './record-codec.js';
import { listSegmentFiles, topicDir, type SegmentFile } from './segment-files.js';
import { createSegment, Topic } from './topic.js';

export interface TopicProblem {
  file: string;
  /** Index into the topic's segment files of the damaged one. */
  segmentIndex: number;
  /** Byte position in `file` where the valid records end. */
  position: number;
  /** The offset the first lost record would have had. */
  recordOffset: number;
  reason: string;
  /** Valid records exist after the problem: corruption in the middle, not a torn tail. */
  followedByValid: boolean;
  /** Bytes after `position` in `file` plus the sizes of all later segment files. */
  bytesAfter: number;
  /** Segment files wholly after the problem. */
  laterFiles: string[];
}

export interface TopicScan {
  /** The topic holding every valid record before any problem. */
  topic: Topic;
  problem?: TopicProblem;
}

export async function scanTopic(dir: string, name: string): Promise<TopicScan> {
  const directory = topicDir(dir, name);
  const topic = new Topic(name, directory);
  const files = await listSegmentFiles(directory);
  for (let i = 0; i < files.length; i++) {
    const { baseOffset, file } = files[i]!;
    if (i > 0 && baseOffset !== topic.endOffset) {
      // A segment that does not continue where the previous one ended: its records' offsets are wrong.
      const followed = await anyValidRecord(files.slice(i));
      return { topic, problem: await describe(files, i, 0, topic.endOffset, 'offset-gap', followed) };
    }
    const segment = createSegment(baseOffset, file);
    const scan = await scanFile(file, recordFormat, (_buf, position) => {
      segment.index.note(segment.count++, position);
    });
    segment.bytes = scan.validEnd;
    topic.segments.push(segment);
    if (scan.problem) {
      const followed = (await hasValidFrameAfter(file, scan.problem.position, recordFormat)) || (await anyValidRecord(files.slice(i + 1)));
      const problem = await describe(files, i, scan.validEnd, topic.endOffset, scan.problem.reason, followed);
      return { topic, problem };
    }
  }
  return { topic };
}

async function describe(
  files: readonly SegmentFile[],
  segmentIndex: number,
  position: number,
  recordOffset: number,
  reason: string,
  followedByValid: boolean,
): Promise<TopicProblem> {
  const file = files[segmentIndex]!.file;
  const laterFiles = files.slice(segmentIndex + 1).map((f) => f.file);
  let bytesAfter = (await sizeOf(file)) - position;
  for (const later of laterFiles) bytesAfter += await sizeOf(later);
  return { file, segmentIndex, position, recordOffset, reason, followedByValid, bytesAfter, laterFiles };
}

async function anyValidRecord(files: readonly SegmentFile[]): Promise<boolean> {
  for (const { file } of files) {
    const bytes = await readFile(file);
    if (findValidFrame(bytes, 0, bytes.length, recordFormat) >= 0) return true;
  }
  return false;
}

async function sizeOf(file: string): Promise<number> {
  return (await stat(file)).size;
}
