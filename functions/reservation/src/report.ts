/**
 * report: every 10 s (a cron trigger calls `scheduled`) logs the reservations per slot; GET /report
 * answers them as JSON, and GET /report?ids=1 adds each person's reserved ids in the order they
 * were reserved (to check none was lost, none doubled, and each person's order kept).
 */
import { BOOK_PREFIX, type PersonBook, type SlotCounts } from './core/person-book.js';
import { reportLine, summarize } from './core/report.js';
import type { KvNamespace, ScheduledController } from './workers.js';

export interface ReportEnv {
  RESERVED: KvNamespace;
}

export default {
  async scheduled(_controller: ScheduledController, env: ReportEnv): Promise<void> {
    console.log(reportLine(summarize(await slotCounts(env.RESERVED))));
  },

  async fetch(request: Request, env: ReportEnv): Promise<Response> {
    const url = new URL(request.url);
    if (request.method !== 'GET' || !url.pathname.endsWith('/report')) return Response.json({ error: 'not found: GET /report' }, { status: 404 });
    const books = await bookKeys(env.RESERVED);
    const report = summarize(books.map((b) => b.counts));
    if (url.searchParams.get('ids') !== '1') return Response.json(report);
    const byPerson: Record<string, string[]> = {};
    for (const { name } of books) {
      const book = (await env.RESERVED.get(name, 'json')) as PersonBook | null;
      byPerson[name.slice(BOOK_PREFIX.length)] = (book?.reservations ?? []).map((r) => r.id);
    }
    return Response.json({ ...report, ids: byPerson });
  },
};

async function slotCounts(kv: KvNamespace): Promise<SlotCounts[]> {
  return (await bookKeys(kv)).map((b) => b.counts);
}

/** Every person's book key with its counts per slot (its metadata), page by page. */
async function bookKeys(kv: KvNamespace): Promise<{ name: string; counts: SlotCounts }[]> {
  const books: { name: string; counts: SlotCounts }[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 10_000; page++) {
    const listed = await kv.list({ prefix: BOOK_PREFIX, ...(cursor ? { cursor } : {}) });
    for (const key of listed.keys) books.push({ name: key.name, counts: (key.metadata as SlotCounts | undefined) ?? {} });
    if (listed.list_complete || !listed.cursor) break;
    cursor = listed.cursor;
  }
  return books;
}
