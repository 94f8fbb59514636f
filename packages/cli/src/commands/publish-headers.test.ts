import { describe, expect, it } from 'vitest';
import { headersOf } from './publish.js';

describe('the headers tide publish gives a record', () => {
  it('marks text that is a JSON object or array as application/json', () => {
    expect(headersOf('{"item":"book"}', {})).toEqual({ 'content-type': 'application/json' });
    expect(headersOf(' [1, 2]\n', { a: 'b' })).toEqual({ a: 'b', 'content-type': 'application/json' });
  });

  it('leaves other text, bytes and a content type of the caller as they are', () => {
    expect(headersOf('42', {})).toEqual({});
    expect(headersOf('{not json', {})).toEqual({});
    expect(headersOf(new Uint8Array([123, 125]), {})).toEqual({});
    expect(headersOf('{"a":1}', { 'Content-Type': 'text/plain' })).toEqual({ 'Content-Type': 'text/plain' });
  });
});
