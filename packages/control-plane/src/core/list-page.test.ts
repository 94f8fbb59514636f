import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, pageOf, parsePageRequest } from './list-page.js';

const names = (n: number) => Array.from({ length: n }, (_, i) => `fn-${String(i).padStart(4, '0')}`);
const id = (s: string) => s;

function request(limit?: string, token?: string) {
  const parsed = parsePageRequest(limit, token, 'functions');
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.request;
}

describe('pageOf', () => {
  it('walks every item exactly once, in key order, following continue', () => {
    const items = names(7).reverse();
    const seen: string[] = [];
    let token: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = pageOf(items, id, request('3', token), 'functions');
      seen.push(...page.items);
      token = page.continue;
      if (token === undefined) break;
      expect(page.remainingItemCount).toBe(7 - seen.length);
    }
    expect(seen).toEqual(names(7));
  });

  it('keeps its place when the last item returned is deleted before the next page', () => {
    const first = pageOf(names(5), id, request('2'), 'functions');
    const after = names(5).filter((n) => n !== first.items[1]);
    expect(pageOf(after, id, request('2', first.continue), 'functions').items).toEqual(['fn-0002', 'fn-0003']);
  });

  it('gives any set of keys, in any order, page by page in key order, for any page size', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ maxLength: 6 }), { maxLength: 300 }), fc.integer({ min: 1, max: 40 }), (keys, limit) => {
        const seen: string[] = [];
        let token: string | undefined;
        for (let pages = 0; pages <= keys.length; pages++) {
          const page = pageOf(
            keys,
            id,
            { limit, after: token === undefined ? undefined : (JSON.parse(Buffer.from(token, 'base64url').toString()) as { after: string }).after },
            'functions',
          );
          expect(page.items.length).toBeLessThanOrEqual(limit);
          seen.push(...page.items);
          token = page.continue;
          if (token === undefined) break;
          expect(page.remainingItemCount).toBe(keys.length - seen.length);
        }
        expect(seen).toEqual([...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      }),
      { numRuns: 300 },
    );
  });

  it('bounds a list with no limit at the default page size', () => {
    const page = pageOf(names(DEFAULT_PAGE_SIZE + 1), id, request(), 'functions');
    expect(page.items).toHaveLength(DEFAULT_PAGE_SIZE);
    expect(page.continue).toBeDefined();
  });
});

describe('parsePageRequest', () => {
  it.each([['0'], ['-1'], ['abc'], ['1.5']])('refuses limit %s', (limit) => {
    expect(parsePageRequest(limit, undefined, 'functions')).toMatchObject({ ok: false, field: 'limit' });
  });
  it('serves a limit over the maximum as the maximum', () => {
    expect(request(String(MAX_PAGE_SIZE * 10)).limit).toBe(MAX_PAGE_SIZE);
  });
  it("refuses a token that is garbage or another list's", () => {
    const pods = pageOf(names(3), id, { limit: 1, after: undefined }, 'pods').continue;
    expect(parsePageRequest('1', pods, 'functions')).toMatchObject({ ok: false, field: 'continue' });
    expect(parsePageRequest('1', 'not a token!', 'functions')).toMatchObject({ ok: false, field: 'continue' });
  });
});
