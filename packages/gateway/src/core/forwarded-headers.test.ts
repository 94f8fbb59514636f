import { describe, expect, it } from 'vitest';
import { endToEndResponseHeaders, upstreamHeaders } from './forwarded-headers.js';

const info = { remoteAddress: '10.0.0.9', proto: 'http' as const, prefix: '/fn/default/hello' };

const pairs = (flat: string[]) => {
  const out: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i] as string, flat[i + 1] as string]);
  return out;
};

describe('upstreamHeaders', () => {
  it('keeps end-to-end headers in order, repeated ones included, and adds x-forwarded-*', () => {
    const raw = ['Host', 'example.com', 'Accept', 'a', 'X-Many', '1', 'X-Many', '2', 'Content-Length', '3'];
    expect(pairs(upstreamHeaders(raw, info))).toEqual([
      ['Accept', 'a'],
      ['X-Many', '1'],
      ['X-Many', '2'],
      ['Content-Length', '3'],
      ['x-forwarded-for', '10.0.0.9'],
      ['x-forwarded-host', 'example.com'],
      ['x-forwarded-proto', 'http'],
      ['x-forwarded-prefix', '/fn/default/hello'],
    ]);
  });

  it("drops a Tide token in Authorization (the caller's credential to Tide), and passes any other scheme on", () => {
    const tide = `tide_alice_${'a'.repeat(64)}`;
    const names = (raw: string[]) => pairs(upstreamHeaders(raw, info)).filter(([name]) => name.toLowerCase() === 'authorization');
    expect(names(['Authorization', `Bearer ${tide}`])).toEqual([]);
    expect(names(['authorization', `bearer  ${tide}`])).toEqual([]);
    expect(names(['Authorization', 'Bearer tide_malformed'])).toEqual([]);
    expect(names(['Authorization', 'Bearer eyJhbGciOi.x.y'])).toEqual([['Authorization', 'Bearer eyJhbGciOi.x.y']]);
    expect(names(['Authorization', 'Basic dGlkZV86eA=='])).toEqual([['Authorization', 'Basic dGlkZV86eA==']]);
  });

  it("drops a caller's tide-invoke: only the platform calls a module's scheduled() or queue()", () => {
    const raw = ['Host', 'example.com', 'Tide-Invoke', 'scheduled', 'Accept', 'a'];
    expect(pairs(upstreamHeaders(raw, info)).map(([name]) => name.toLowerCase())).not.toContain('tide-invoke');
  });

  it('drops hop-by-hop headers, including those named in Connection', () => {
    const raw = [
      'Connection',
      'keep-alive, X-Secret-Hop',
      'Keep-Alive',
      'timeout=5',
      'Transfer-Encoding',
      'chunked',
      'TE',
      'trailers',
      'Upgrade',
      'websocket',
      'Trailer',
      'x',
      'Proxy-Authorization',
      'basic x',
      'Expect',
      '100-continue',
      'X-Secret-Hop',
      'y',
      'X-Kept',
      'z',
    ];
    const names = pairs(upstreamHeaders(raw, info)).map(([name]) => name);
    expect(names).toEqual(['X-Kept', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-prefix']);
  });

  it('appends the client to an existing x-forwarded-for and replaces the other x-forwarded-*', () => {
    const raw = ['X-Forwarded-For', '1.1.1.1', 'x-forwarded-for', '2.2.2.2', 'X-Forwarded-Prefix', '/evil'];
    const headers = pairs(upstreamHeaders(raw, { ...info, proto: 'https' }));
    expect(headers).toEqual([
      ['x-forwarded-for', '1.1.1.1, 2.2.2.2, 10.0.0.9'],
      ['x-forwarded-proto', 'https'],
      ['x-forwarded-prefix', '/fn/default/hello'],
    ]);
  });
});

describe('endToEndResponseHeaders', () => {
  it('leaves out connection-level response headers and keeps the rest, a header of several values once per value', () => {
    const headers = endToEndResponseHeaders({
      connection: 'keep-alive, x-hop',
      'keep-alive': 'timeout=5',
      'transfer-encoding': 'chunked',
      'proxy-authenticate': 'basic',
      'x-hop': '1',
      'set-cookie': ['a=1', 'b=2'],
      'content-type': 'text/plain',
    });
    expect(headers).toEqual(['set-cookie', 'a=1', 'set-cookie', 'b=2', 'content-type', 'text/plain']);
  });
});
