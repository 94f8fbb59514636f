/**
 * Server-sent events, split out of a byte stream (pure): messages end at a blank line; `data:`
 * lines are joined with newlines; comment lines (`: keep-alive`) and other fields are skipped.
 */
export interface SseParse {
  data: string[];
  /** The unfinished tail, to prepend to the next chunk. */
  rest: string;
}

export function parseSse(buffer: string): SseParse {
  const normalized = buffer.replace(/\r\n?/g, '\n');
  const blocks = normalized.split('\n\n');
  const rest = blocks.pop() ?? '';
  const data: string[] = [];
  for (const block of blocks) {
    const lines = block.split('\n').filter((line) => line.startsWith('data:'));
    if (lines.length > 0) data.push(lines.map((line) => line.slice(line.startsWith('data: ') ? 6 : 5)).join('\n'));
  }
  return { data, rest };
}
