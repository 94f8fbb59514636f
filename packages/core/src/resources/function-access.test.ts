import { describe, expect, it } from 'vitest';
import { FunctionSpec, revisionTemplateOf } from './function.js';

const source = { artifact: `sha256:${'a'.repeat(64)}` };

describe('spec.access', () => {
  it('is absent unless given, so a manifest without it reads back as it was (public)', () => {
    expect(FunctionSpec.parse({ source }).access).toBeUndefined();
  });

  it('takes public or token, and nothing else', () => {
    expect(FunctionSpec.parse({ source, access: 'token' }).access).toBe('token');
    expect(FunctionSpec.parse({ source, access: 'public' }).access).toBe('public');
    expect(FunctionSpec.safeParse({ source, access: 'private' }).success).toBe(false);
  });

  it('is not in the revision template: changing it makes no new revision', () => {
    expect(revisionTemplateOf(FunctionSpec.parse({ source, access: 'token' }))).toEqual(revisionTemplateOf(FunctionSpec.parse({ source })));
  });
});
