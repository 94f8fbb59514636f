import { describe, expect, it } from 'vitest';
import { canonicalJson, sameJson } from './context.js';

describe('sameJson', () => {
  const cases: [string, unknown, unknown][] = [
    ['keys in another order', { a: 1, b: { c: [1, 'x'] } }, { b: { c: [1, 'x'] }, a: 1 }],
    ['an undefined field and a missing one', { a: 1, b: undefined }, { a: 1 }],
    ['a changed value deep inside', { env: { A: 'x', B: 'y' } }, { env: { A: 'x', B: 'z' } }],
    ['arrays of another length', { t: [1, 2] }, { t: [1] }],
    ['an array and an object', { t: [] }, { t: {} }],
    ['null and an object', { t: null }, { t: {} }],
    ['a number and its string', { n: 1 }, { n: '1' }],
    ['an extra key', { a: 1 }, { a: 1, b: 2 }],
  ];
  it.each(cases)('agrees with canonicalJson on %s', (_what, a, b) => {
    expect(sameJson(a, b)).toBe(canonicalJson(a) === canonicalJson(b));
    expect(sameJson(b, a)).toBe(canonicalJson(a) === canonicalJson(b));
  });
});
