/**
 * Layout: `<dir>/topics/<topic>/<baseOffset>.seg`, the base offset zero-padded to 20 digits so
 * names sort like numbers (00000000000000000000.seg, 00000000000000012345.seg, ...).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isMissing } from './durable-fs.js';
import { InvalidTopicError } from './errors.js';

const SEGMENT_NAME = /^(\d{20})\.seg$/;
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

export interface SegmentFile {
  baseOffset: number;
  file: string;
}

export function topicsDir(dir: string): string {
  return join(dir, 'topics');
}

export function topicDir(dir: string, topic: string): string {
  return join(dir, 'topics', topic);
}

export function segmentFile(topicDirectory: string, baseOffset: number): string {
  return join(topicDirectory, `${String(baseOffset).padStart(20, '0')}.seg`);
}

/** Kafka's topic charset, which is also safe as a directory name. */
export function assertTopicName(topic: string): void {
  if (!TOPIC_NAME.test(topic) || topic === '.' || topic === '..') throw new InvalidTopicError(topic);
}

/** The topic's segment files in offset order; none if the topic does not exist yet. */
export async function listSegmentFiles(topicDirectory: string): Promise<SegmentFile[]> {
  const names = await readdirOrEmpty(topicDirectory);
  const segments: SegmentFile[] = [];
  for (const name of names) {
    const match = SEGMENT_NAME.exec(name);
    if (match) segments.push({ baseOffset: Number(match[1]), file: join(topicDirectory, name) });
  }
  return segments.sort((a, b) => a.baseOffset - b.baseOffset);
}

export async function listTopicNames(dir: string): Promise<string[]> {
  const names = await readdirOrEmpty(topicsDir(dir));
  return names.filter((name) => TOPIC_NAME.test(name) && name !== '.' && name !== '..').sort();
}

async function readdirOrEmpty(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}
