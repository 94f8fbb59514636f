import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import { parsePublishRecords } from './topic-records-body.js';

const text = (v: Uint8Array) => new TextDecoder().decode(v);

function refusal(body: unknown): ApiError {
  try {
    parsePublishRecords(body);
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('parsePublishRecords', () => {
  it('stores a string as its UTF-8 bytes and anything else as JSON text with content-type application/json', () => {
    const [a, b, c] = parsePublishRecords({ records: [{ key: 'k', value: 'héllo' }, { value: { id: 1 } }, { value: null }] });
    expect(a).toEqual({ key: 'k', value: new TextEncoder().encode('héllo'), headers: {} });
    expect(text(b!.value)).toBe('{"id":1}');
    expect(b!.headers).toEqual({ 'content-type': 'application/json' });
    expect(text(c!.value)).toBe('null');
  });

  it('decodes a base64 value as binary', () => {
    const [r] = parsePublishRecords({ records: [{ value: 'AP8=', encoding: 'base64' }] });
    expect(Array.from(r!.value)).toEqual([0, 255]);
  });

  it('keeps the record’s own content-type and traceparent, and adds the request’s trace to records without one', () => {
    const trace = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'x=1' };
    const [own, none] = parsePublishRecords(
      { records: [{ value: [1], headers: { 'Content-Type': 'application/vnd.x+json', traceparent: '00-11-22-01' } }, { value: 'v' }] },
      trace,
    );
    expect(own!.headers).toEqual({ 'Content-Type': 'application/vnd.x+json', traceparent: '00-11-22-01' });
    expect(none!.headers).toEqual(trace);
  });

  it.each([
    [{ records: [{ key: 'k' }] }, 'records[0].value'],
    [{ records: [{ value: 'x' }, { value: 'not base64!', encoding: 'base64' }] }, 'records[1].value'],
    [{ records: [{ value: 3, encoding: 'base64' }] }, 'records[0].value'],
    [{ records: [{ value: 'x', encoding: 'hex' }] }, 'records[0].encoding'],
    [{ records: [{ value: 'x', headers: { a: 1 } }] }, 'records[0].headers.a'],
    [{ records: [{ value: 'x', key: 7 }] }, 'records[0].key'],
    [{ records: [{ value: 'x', extra: 1 }] }, 'records[0]'],
    [{ records: [] }, 'records'],
    [{ record: [] }, '(root)'],
  ])('refuses %j with a 422 naming %s', (body, field) => {
    const error = refusal(body);
    expect(error.status).toBe(422);
    expect(error.causes.map((c) => c.field)).toContain(field);
    expect(error.message).toContain(field);
  });

  it('refuses a body that is not JSON with a 400', () => {
    expect(refusal(undefined).status).toBe(400);
  });
});
