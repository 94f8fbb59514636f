import { describe, expect, it } from 'vitest';
import { parseSse } from './sse.js';

describe('parseSse', () => {
  it('returns the data of whole messages and keeps an unfinished one for the next chunk', () => {
    const first = parseSse('event: ScaleSet\ndata: {"a":1}\nid: 7\n\n: keep-alive\n\nevent: ScaleSet\ndata: {"b"');
    expect(first.data).toEqual(['{"a":1}']);
    const second = parseSse(`${first.rest}:2}\nid: 8\n\n`);
    expect(second).toEqual({ data: ['{"b":2}'], rest: '' });
  });

  it('joins multi-line data and accepts CRLF line ends', () => {
    expect(parseSse('data: one\r\ndata:two\r\n\r\n').data).toEqual(['one\ntwo']);
  });
});
