import { describe, expect, it } from 'vitest';
import echo from './index.js';

describe('echo', () => {
  it('returns binary bodies unchanged and describes the request in headers', async () => {
    const bytes = new Uint8Array(256).map((_, i) => i);
    const res = await echo.fetch(new Request('http://fn/a/b?x=1', { method: 'POST', body: bytes, headers: { 'x-test': 'yes' } }));
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
    expect(res.headers.get('x-echo-method')).toBe('POST');
    expect(res.headers.get('x-echo-path')).toBe('/a/b');
    expect(res.headers.get('x-echo-query')).toBe('?x=1');
    expect(JSON.parse(res.headers.get('x-echo-headers')!)['x-test']).toBe('yes');
  });
});
