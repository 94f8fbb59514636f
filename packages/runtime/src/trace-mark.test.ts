import { describe, expect, it } from 'vitest';
import { endsLine, markLines, readTraceMark, traceIdOf, traceMark } from './trace-mark.js';

const ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const M = traceMark(ID);

describe('trace marks on output lines', () => {
  it.each([
    ['a line at the start of a line', 'hello\n', true, `${M}hello\n`],
    ['every line of a multi-line write', 'a\nb\nc\n', true, `${M}a\n${M}b\n${M}c\n`],
    ['a continued line: only the lines that begin in it', 'rest\nnext', false, `rest\n${M}next`],
    ['a write without a newline', 'part', true, `${M}part`],
    ['an empty write: nothing', '', true, ''],
    ['a lone newline ending a line begun before', '\n', false, '\n'],
    ['an empty line', '\n', true, `${M}\n`],
  ])('marks %s', (_what, chunk, atLineStart, marked) => {
    expect(markLines(chunk, M, atLineStart)).toBe(marked);
  });

  it('marks bytes as bytes, leaving binary content intact', () => {
    const chunk = Buffer.from([0xff, 0x00, 0x0a, 0xe2, 0x82, 0xac, 0x0a]);
    const marked = markLines(chunk, M, true) as Buffer;
    expect(marked).toEqual(Buffer.concat([Buffer.from(M), Buffer.from([0xff, 0x00, 0x0a]), Buffer.from(M), Buffer.from([0xe2, 0x82, 0xac, 0x0a])]));
    expect(markLines(Buffer.from('mid'), M, false)).toEqual(Buffer.from('mid'));
  });

  it('reads the mark back off a line, and leaves unmarked or half-marked lines alone', () => {
    expect(readTraceMark(`${M}hello`)).toEqual({ line: 'hello', traceId: ID });
    expect(readTraceMark(`${M}`)).toEqual({ line: '', traceId: ID });
    expect(readTraceMark('hello')).toEqual({ line: 'hello' });
    expect(readTraceMark(`\x1etrace=${ID}hello`)).toEqual({ line: `\x1etrace=${ID}hello` });
    expect(readTraceMark(`\x1etrace=${'X'.repeat(32)}\x1eno`)).toEqual({ line: `\x1etrace=${'X'.repeat(32)}\x1eno` });
  });

  it('takes the trace id from a traceparent, not from a malformed or all-zero one', () => {
    expect(traceIdOf(`00-${ID}-00f067aa0ba902b7-01`)).toBe(ID);
    expect(traceIdOf(`00-${'0'.repeat(32)}-00f067aa0ba902b7-01`)).toBeUndefined();
    expect(traceIdOf('00-XYZ-00f067aa0ba902b7-01')).toBeUndefined();
    expect(traceIdOf('')).toBeUndefined();
  });

  it('knows whether a stream is at the start of a line after a write', () => {
    expect(endsLine('a\n', false)).toBe(true);
    expect(endsLine('a', true)).toBe(false);
    expect(endsLine('', false)).toBe(false);
    expect(endsLine(Buffer.from('x\n'), false)).toBe(true);
  });
});
