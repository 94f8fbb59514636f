import { currentCallTrace } from './call-trace.js';
import { endsLine, markLines, traceIdOf, traceMark } from './trace-mark.js';

type Write = NodeJS.WriteStream['write'];

/**
 * Marks each line that a call writes to stdout or stderr (console.log included, which writes
 * through them) with the call's trace id (trace-mark.ts), so `tide logs` can say which call
 * printed it. The cost is paid by writes, not calls: a call that prints nothing pays nothing, and a
 * write outside any traced call passes unchanged, after one look at its last character.
 */
export function markCallOutput(streams: readonly NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) stream.write = markingWrite(stream.write.bind(stream) as Write);
}

function markingWrite(write: Write): Write {
  const pass = write as (...args: unknown[]) => boolean;
  let atLineStart = true;
  return function markedWrite(chunk: unknown, encodingOrCallback?: unknown, callback?: unknown): boolean {
    if (typeof chunk !== 'string' && !(chunk instanceof Uint8Array)) return pass(chunk, encodingOrCallback, callback);
    const trace = currentCallTrace();
    const traceId = trace && traceIdOf(trace.traceparent);
    if (!traceId) {
      atLineStart = endsLine(chunk, atLineStart);
      return pass(chunk, encodingOrCallback, callback);
    }
    // A string in another encoding (hex, base64) is not the text written: mark the bytes it stands for.
    const encoding = typeof encodingOrCallback === 'string' ? encodingOrCallback : undefined;
    const bytes = typeof chunk === 'string' && encoding !== undefined && !/^utf-?8$/i.test(encoding);
    const text = bytes ? Buffer.from(chunk as string, encoding as BufferEncoding) : chunk;
    const marked = markLines(text, traceMark(traceId), atLineStart);
    atLineStart = endsLine(text, atLineStart);
    return bytes ? pass(marked, callback) : pass(marked, encodingOrCallback, callback);
  } as Write;
}
