/**
 * A readOnly instance (typically in another process than the writer) learns about new records by
 * looking at the files: new bytes at the end of the last segment, and new segment files. Bytes
 * that are not yet a whole valid record are treated as still being written and looked at again.
 */
import { stat } from 'node:fs/promises';
import { scanFile } from './file-scan.js';
import { recordFormat } from './record-codec.js';
import { listSegmentFiles } from './segment-files.js';
import { createSegment, type Topic } from './topic.js';

export async function refreshTopic(topic: Topic): Promise<void> {
  const files = await listSegmentFiles(topic.dir);
  const first = files[0];
  if (!first) return;
  if (topic.segments.length === 0) topic.segments.push(createSegment(first.baseOffset, first.file));
  for (;;) {
    const last = topic.lastSegment!;
    const size = (await stat(last.file)).size;
    let complete = size === last.bytes;
    if (size > last.bytes) {
      const scan = await scanFile(last.file, recordFormat, (_buf, position) => last.index.note(last.count++, position), last.bytes);
      last.bytes = scan.validEnd;
      complete = scan.problem === undefined;
    }
    // Move on to the next segment only once this one is whole and the next continues it.
    const next = files.find((f) => f.baseOffset > last.baseOffset);
    if (!complete || !next || next.baseOffset !== topic.endOffset) return;
    topic.segments.push(createSegment(next.baseOffset, next.file));
  }
}
