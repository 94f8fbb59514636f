/**
 * How a pod says which call a line of its output belongs to: a line written inside a traced call
 * starts with `\x1etrace=<32 hex>\x1e` (\x1e is ASCII's record separator, which text output does
 * not contain); the node agent reads the mark off (readTraceMark) and ships the trace id beside the
 * line. The mark travels in the output itself so that it stays with its line, in order, through
 * the same pipe, with no side channel to match up. Lines written outside calls are not touched.
 */
const SEPARATOR = '\x1e';
const MARK_PREFIX = `${SEPARATOR}trace=`;
/** `\x1etrace=` + 32 hex + `\x1e` */
const MARK_LENGTH = MARK_PREFIX.length + 32 + 1;
const NEWLINE = 0x0a;

/** The mark put before each line of a call whose trace id is traceId. */
export function traceMark(traceId: string): string {
  return `${MARK_PREFIX}${traceId}${SEPARATOR}`;
}

/**
 * The trace id of a W3C traceparent (`00-<trace id>-<parent id>-<flags>`), or undefined for one
 * that is malformed or names the invalid all-zero trace.
 */
export function traceIdOf(traceparent: string): string | undefined {
  const traceId = traceparent.slice(3, 35);
  return /^[\da-f]{2}-[\da-f]{32}-/.test(traceparent.slice(0, 36)) && traceId !== '0'.repeat(32) ? traceId : undefined;
}

/** A line as the pod wrote it: its trace id, if it was marked with one, and its text without the mark. */
export function readTraceMark(line: string): { line: string; traceId?: string } {
  if (!line.startsWith(MARK_PREFIX) || line.length < MARK_LENGTH || line[MARK_LENGTH - 1] !== SEPARATOR) return { line };
  const traceId = line.slice(MARK_PREFIX.length, MARK_LENGTH - 1);
  return /^[\da-f]{32}$/.test(traceId) ? { line: line.slice(MARK_LENGTH), traceId } : { line };
}

/**
 * A chunk of output with `mark` put at the start of each line that begins in it: at its start when
 * the stream is at the start of a line, and after each newline that more text follows. A chunk
 * that ends mid-line leaves the next chunk to continue that line, unmarked. Bytes are marked as
 * bytes (a newline byte never occurs inside a UTF-8 character), so binary writes pass intact.
 */
export function markLines<T extends string | Uint8Array>(chunk: T, mark: string, atLineStart: boolean): T {
  if (typeof chunk === 'string') {
    if (chunk.length === 0) return chunk;
    const inner = chunk.slice(0, -1).replaceAll('\n', `\n${mark}`) + chunk.slice(-1);
    return (atLineStart ? mark + inner : inner) as T;
  }
  const starts: number[] = atLineStart && chunk.length > 0 ? [0] : [];
  for (let i = chunk.indexOf(NEWLINE); i !== -1 && i < chunk.length - 1; i = chunk.indexOf(NEWLINE, i + 1)) starts.push(i + 1);
  if (starts.length === 0) return chunk;
  const markBytes = Buffer.from(mark);
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const start of starts) {
    parts.push(chunk.subarray(from, start), markBytes);
    from = start;
  }
  parts.push(chunk.subarray(from));
  return Buffer.concat(parts) as unknown as T;
}

/** Whether a stream is at the start of a line after `chunk` was written to it (unchanged by an empty chunk). */
export function endsLine(chunk: string | Uint8Array, atLineStart: boolean): boolean {
  if (chunk.length === 0) return atLineStart;
  return typeof chunk === 'string' ? chunk.endsWith('\n') : chunk[chunk.length - 1] === NEWLINE;
}
