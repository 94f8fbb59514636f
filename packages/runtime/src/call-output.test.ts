import { describe, expect, it } from 'vitest';
import { markCallOutput } from './call-output.js';
import { withCallTrace } from './call-trace.js';
import { readTraceMark } from './trace-mark.js';

const ID = '0af7651916cd43dd8448eb211c80319c';
const trace = { traceparent: `00-${ID}-b7ad6b7169203331-01` };

/** A stand-in for process.stdout that keeps what reaches it, with the arguments it was given. */
function fakeStream() {
  const writes: { chunk: string | Uint8Array; rest: unknown[] }[] = [];
  const stream = {
    write(chunk: string | Uint8Array, ...rest: unknown[]) {
      writes.push({ chunk, rest });
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  markCallOutput([stream]);
  const text = () => writes.map((w) => Buffer.from(w.chunk).toString('utf8')).join('');
  return { stream, writes, lines: () => text().split('\n').slice(0, -1).map(readTraceMark) };
}

describe('call output marking', () => {
  it("marks a traced call's lines with its trace id and leaves lines outside calls as written", () => {
    const out = fakeStream();
    out.stream.write('before\n');
    withCallTrace({ trace }, () => out.stream.write('in the call\nand again\n'));
    withCallTrace(undefined, () => out.stream.write('an untraced call\n'));
    out.stream.write('after\n');
    expect(out.writes[0]!.chunk).toBe('before\n');
    expect(out.lines()).toEqual([
      { line: 'before' },
      { line: 'in the call', traceId: ID },
      { line: 'and again', traceId: ID },
      { line: 'an untraced call' },
      { line: 'after' },
    ]);
  });

  it('leaves a line begun outside a call unmarked when a call finishes it', () => {
    const out = fakeStream();
    out.stream.write('progress: ');
    withCallTrace({ trace }, () => out.stream.write('done\nnext\n'));
    expect(out.lines()).toEqual([{ line: 'progress: done' }, { line: 'next', traceId: ID }]);
  });

  it('passes the callback on, and marks a hex-encoded string as the bytes it stands for', () => {
    const out = fakeStream();
    const callback = () => {};
    withCallTrace({ trace }, () => out.stream.write(Buffer.from('hi\n').toString('hex'), 'hex', callback));
    expect(out.writes[0]!.rest).toEqual([callback]);
    expect(out.lines()).toEqual([{ line: 'hi', traceId: ID }]);
    withCallTrace({ trace }, () => out.stream.write('x\n', callback));
    expect(out.writes[1]!.rest[0]).toBe(callback);
  });
});
