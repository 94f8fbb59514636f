import { describe, expect, it } from 'vitest';
import { isComponentCall } from './component-token.js';

describe('isComponentCall', () => {
  it.each([
    ['the same token', 's3cret', 's3cret', true],
    ['another token', 'guess', 's3cret', false],
    ['a longer token', 's3cret-and-more', 's3cret', false],
    ['no header', undefined, 's3cret', false],
    ['a repeated header', ['s3cret', 's3cret'], 's3cret', false],
    ['a gateway without a token', 's3cret', undefined, false],
    ['an empty token on both sides', '', '', false],
  ] as const)('%s → %s', (_what, sent, token, expected) => {
    expect(isComponentCall(sent as string | string[] | undefined, token)).toBe(expected);
  });
});
