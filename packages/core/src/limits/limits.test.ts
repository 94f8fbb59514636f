import { describe, expect, it } from 'vitest';
import { FunctionSpec, revisionTemplateOf } from '../resources/function.js';
import { NamespaceQuota } from '../resources/namespace.js';
import { bodyLimitsOf, checkBodySize, DEFAULT_BODY_LIMIT_BYTES } from './body-limits.js';
import { NamespaceLimiter } from './namespace-limiter.js';
import { rateOf } from './namespace-rate.js';
import { fullBucket, takeToken } from './token-bucket.js';

const source = { artifact: `sha256:${'a'.repeat(64)}` };

describe('takeToken', () => {
  const rate = { ratePerSecond: 2, burst: 3 };
  it('lets a full burst through at once, then limits with the seconds until a token is back', () => {
    let bucket = fullBucket(rate, 0);
    for (let i = 0; i < 3; i++) {
      const r = takeToken(bucket, rate, 0);
      expect(r.kind).toBe('allowed');
      bucket = r.bucket;
    }
    const fourth = takeToken(bucket, rate, 0);
    expect(fourth).toMatchObject({ kind: 'limited', retryAfterSeconds: 1 });
  });
  it('refills at the rate and never above the burst', () => {
    const empty = { tokens: 0, updatedAtMs: 0 };
    expect(takeToken(empty, rate, 499).kind).toBe('limited');
    expect(takeToken(empty, rate, 500).kind).toBe('allowed');
    expect(takeToken(empty, rate, 60_000).bucket.tokens).toBe(2);
  });
  it('rounds Retry-After up to whole seconds for slow rates', () => {
    const slow = { ratePerSecond: 0.25, burst: 1 };
    expect(takeToken({ tokens: 0, updatedAtMs: 0 }, slow, 0)).toMatchObject({ kind: 'limited', retryAfterSeconds: 4 });
  });
});

describe('rateOf', () => {
  it.each([
    [{}, 'writes', undefined],
    [{ writesPerSecond: 5 }, 'writes', { ratePerSecond: 5, burst: 5 }],
    [{ writesPerSecond: 0.5 }, 'writes', { ratePerSecond: 0.5, burst: 1 }],
    [{ invocationsPerSecond: 100, invocationsBurst: 300 }, 'invocations', { ratePerSecond: 100, burst: 300 }],
    [{ invocationsPerSecond: 100 }, 'writes', undefined],
  ] as const)('quota %j for %s → %j', (quota, kind, expected) => {
    expect(rateOf(NamespaceQuota.parse(quota), kind)).toEqual(expected);
  });
});

describe('NamespaceLimiter', () => {
  it('keeps one bucket per namespace and names the quota field in its message', () => {
    const limiter = new NamespaceLimiter('writes', (ns) => (ns === 'team-a' ? { writesPerSecond: 1 } : undefined));
    expect(limiter.take('team-a', 0).kind).toBe('allowed');
    const second = limiter.take('team-a', 10);
    expect(second).toMatchObject({ kind: 'limited', retryAfterSeconds: 1 });
    expect(second.kind === 'limited' && second.message).toContain('namespace team-a is over its rate limit of 1 writes per second (quota writesPerSecond');
    expect(limiter.take('team-b', 10).kind).toBe('allowed');
    expect(limiter.take('team-a', 1010).kind).toBe('allowed');
  });
});

describe('body limits', () => {
  it('default to 6 MB each way and follow spec.limits', () => {
    expect(bodyLimitsOf(FunctionSpec.parse({ source }))).toEqual({ requestBodyBytes: DEFAULT_BODY_LIMIT_BYTES, responseBodyBytes: DEFAULT_BODY_LIMIT_BYTES });
    expect(bodyLimitsOf(FunctionSpec.parse({ source, limits: { requestBodyBytes: 10 } }))).toEqual({
      requestBodyBytes: 10,
      responseBodyBytes: DEFAULT_BODY_LIMIT_BYTES,
    });
  });
  it('are not part of the revision template (changing them makes no new revision)', () => {
    const a = revisionTemplateOf(FunctionSpec.parse({ source }));
    const b = revisionTemplateOf(FunctionSpec.parse({ source, limits: { requestBodyBytes: 10 } }));
    expect(b).toEqual(a);
  });
  it('a size over the limit is refused with a message that names the limit', () => {
    expect(checkBodySize('request body', 10, 10, 'function a/b')).toEqual({ kind: 'within' });
    expect(checkBodySize('request body', 11, 10, 'function a/b')).toEqual({
      kind: 'over',
      message: 'request body of 11 bytes or more exceeds the limit of 10 bytes for function a/b',
    });
  });
});
