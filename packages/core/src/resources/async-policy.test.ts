import { describe, expect, it } from 'vitest';
import { asyncRetryDelayMs, DEFAULT_ASYNC_SPEC } from './async-policy.js';
import { FunctionSpec, revisionTemplateOf } from './function.js';

const source = { artifact: `sha256:${'a'.repeat(64)}` };

describe('spec.async', () => {
  it("fills Lambda's defaults (2 retries, 6 h) and a 1 s doubling delay", () => {
    expect(FunctionSpec.parse({ source, async: {} }).async).toEqual(DEFAULT_ASYNC_SPEC);
    expect([1, 2, 3].map((n) => asyncRetryDelayMs(DEFAULT_ASYNC_SPEC, n))).toEqual([1000, 2000, 4000]);
  });

  it('stays absent when not given, so a function applied before it reads back as it was', () => {
    expect(FunctionSpec.parse({ source }).async).toBeUndefined();
  });

  it.each([
    [{ maxRetries: 11 }, 'maxRetries'],
    [{ maxEventAgeSeconds: 30_000 }, 'maxEventAgeSeconds'],
    [{ deadLetterTopic: 'tide.invocations' }, 'deadLetterTopic'],
    [{ retries: 1 }, 'retries'],
  ])('refuses %o, naming %s', (async, field) => {
    const result = FunctionSpec.safeParse({ source, async });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain(field);
  });

  it('is not part of the revision template: changing it makes no new revision', () => {
    const spec = FunctionSpec.parse({ source, async: { maxRetries: 5 } });
    expect(revisionTemplateOf(spec)).toEqual(revisionTemplateOf(FunctionSpec.parse({ source })));
  });
});
