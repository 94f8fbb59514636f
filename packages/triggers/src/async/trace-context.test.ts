import { describe, expect, it } from 'vitest';
import { traceOf } from './trace-context.js';

describe('traceOf', () => {
  it("keeps the caller's trace", () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect(traceOf(traceparent)).toEqual({ traceId: '0af7651916cd43dd8448eb211c80319c', traceparent });
  });

  it('starts a trace when the caller sent none (or a malformed one), and keeps the recorded one after a restart', () => {
    const fresh = traceOf('garbage');
    expect(fresh.traceparent).toMatch(new RegExp(`^00-${fresh.traceId}-[0-9a-f]{16}-01$`));
    expect(traceOf(undefined, 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa').traceId).toBe('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
  });
});
