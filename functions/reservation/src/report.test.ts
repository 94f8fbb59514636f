import { afterEach, describe, expect, it, vi } from 'vitest';
import { batchOf, memoryKv } from './fakes.test-support.js';
import report from './report.js';
import reserve from './reserve.js';

async function reserved(bodies: { id: string; person: string; slot: string }[]) {
  const { kv } = memoryKv();
  await reserve.queue(batchOf(bodies).batch, { RESERVED: kv });
  return kv;
}
const bodies = [
  { id: 'a1', person: 'ada', slot: 'mon' },
  { id: 'b1', person: 'bob', slot: 'mon' },
  { id: 'c1', person: 'cy', slot: 'tue' },
  { id: 'a2', person: 'ada', slot: 'tue' },
];

afterEach(() => vi.restoreAllMocks());

describe('report', () => {
  it('answers GET /report with the counts per slot over every page of books', async () => {
    const kv = await reserved(bodies);
    const response = await report.fetch(new Request('http://h/fn/default/report/report'), { RESERVED: kv });
    expect(await response.json()).toEqual({ reserved: 4, persons: 3, bySlot: { mon: 2, tue: 2 } });
  });

  it("adds each person's reserved ids, in the order they were reserved, with ?ids=1", async () => {
    const kv = await reserved(bodies);
    const body = (await (await report.fetch(new Request('http://h/report?ids=1'), { RESERVED: kv })).json()) as { ids: Record<string, string[]> };
    expect(body.ids).toEqual({ ada: ['a1', 'a2'], bob: ['b1'], cy: ['c1'] });
  });

  it('logs one line of counts on each scheduled tick', async () => {
    const kv = await reserved(bodies);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await report.scheduled({ cron: '*/10 * * * * *', scheduledTime: 0 }, { RESERVED: kv });
    expect(log).toHaveBeenCalledWith('reservations: 4 reserved by 3 persons (mon=2, tue=2)');
  });

  it('reports zero before anything is reserved', async () => {
    const { kv } = memoryKv();
    expect(await (await report.fetch(new Request('http://h/report'), { RESERVED: kv })).json()).toEqual({ reserved: 0, persons: 0, bySlot: {} });
  });
});
