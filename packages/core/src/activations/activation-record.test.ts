import { describe, expect, it } from 'vitest';
import { ACTIVATION_MAX_BODY_BYTES, activationResultOf, decodeActivationRecord, encodeActivationRecord } from './activation-record.js';
import { callbackUrlProblem, decodeAsyncInvocation, encodeAsyncInvocation } from './invocation-record.js';

describe('activation records', () => {
  it('round-trip, and a record of another shape decodes as undefined', () => {
    const r = { kind: 'activation' as const, id: 'x', namespace: 'default', function: 'f', status: 'queued' as const, attempts: 0, queuedAt: 1, updatedAt: 1 };
    expect(decodeActivationRecord(encodeActivationRecord(r))).toEqual(r);
    expect(decodeActivationRecord(new TextEncoder().encode('{"kind":"pod-logs"}'))).toBeUndefined();
    expect(decodeActivationRecord(new TextEncoder().encode('not json'))).toBeUndefined();
  });

  it('keep a text answer as text and a binary one as base64', () => {
    expect(activationResultOf(200, {}, new TextEncoder().encode('héllo'))).toMatchObject({ body: 'héllo', encoding: 'utf8' });
    expect(activationResultOf(200, {}, new Uint8Array([0xff, 0xfe]))).toMatchObject({ body: '//4=', encoding: 'base64' });
  });

  it('cut an answer beyond 64 KiB and say so', () => {
    const result = activationResultOf(200, {}, new Uint8Array(ACTIVATION_MAX_BODY_BYTES + 10).fill(97));
    expect(result.body.length).toBe(ACTIVATION_MAX_BODY_BYTES);
    expect(result.truncated).toBe(true);
  });
});

describe('async invocations', () => {
  it('round-trip', () => {
    const call = {
      kind: 'async-invocation' as const,
      id: 'i',
      namespace: 'n',
      function: 'f',
      method: 'POST',
      path: '/',
      headers: { a: 'b' },
      body: '',
      receivedAt: 5,
    };
    expect(decodeAsyncInvocation(encodeAsyncInvocation(call))).toEqual(call);
  });

  it.each([
    ['http://127.0.0.1:9/cb', undefined],
    ['https://example.com/cb?x=1', undefined],
    ['ftp://example.com/', /http or https/],
    ['/relative', /not an absolute URL/],
  ])('callback %s', (url, problem) => {
    const found = callbackUrlProblem(url);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(problem);
  });
});
