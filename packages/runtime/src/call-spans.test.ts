import { describe, expect, it, vi } from 'vitest';
import { createCallSpans } from './call-spans.js';
import type { SpanBatch, SpanRecord } from './runtime-config.js';
import { admitSpan, EMPTY_BUDGET } from './span-budget.js';

const span = (name: string, extra: Partial<SpanRecord> = {}): SpanRecord => ({
  name,
  kind: 0,
  traceId: 'a'.repeat(32),
  spanId: 'b'.repeat(16),
  parentSpanId: 'c'.repeat(16),
  startMs: 1,
  endMs: 2,
  ...extra,
});

describe('admitSpan', () => {
  const limits = { maxSpans: 2, maxBytes: 100 };
  it.each([
    ['fits', EMPTY_BUDGET, 40, true, { spans: 1, bytes: 40, dropped: 0 }],
    ['fills the byte limit exactly', { spans: 1, bytes: 60, dropped: 0 }, 40, true, { spans: 2, bytes: 100, dropped: 0 }],
    ['is over the byte limit', { spans: 1, bytes: 61, dropped: 0 }, 40, false, { spans: 1, bytes: 61, dropped: 1 }],
    ['is over the count limit', { spans: 2, bytes: 10, dropped: 3 }, 1, false, { spans: 2, bytes: 10, dropped: 4 }],
  ])('a span that %s', (_what, budget, bytes, admitted, after) => {
    expect(admitSpan(budget, bytes, limits)).toEqual({ admitted, budget: after });
  });
});

describe('a call’s spans', () => {
  it('go with the call’s record until its response ends, and over the limit are counted, not kept', () => {
    const spans = createCallSpans(() => {}, { maxSpans: 2, maxBytes: 10_000 });
    for (const name of ['a', 'b', 'c']) spans.add(span(name));
    expect(spans.takeEnded()).toEqual({ spans: [span('a'), span('b')], dropped: 1 });
  });

  it('that end after the response are sent in one batch per run, within the same budget', async () => {
    const late: SpanBatch[] = [];
    const spans = createCallSpans((batch) => late.push(batch), { maxSpans: 2, maxBytes: 10_000 });
    spans.add(span('early'));
    spans.add(span('too many before the end'));
    spans.takeEnded();
    spans.add(span('late'));
    await vi.waitFor(() => expect(late).toHaveLength(1));
    expect(late).toEqual([{ spans: [], dropped: 1 }]);
  });

  it('a late span within the budget is delivered', async () => {
    const late: SpanBatch[] = [];
    const spans = createCallSpans((batch) => late.push(batch));
    expect(spans.takeEnded()).toEqual({ spans: [], dropped: 0 });
    spans.add(span('one'));
    spans.add(span('two'));
    await vi.waitFor(() => expect(late).toHaveLength(1));
    expect(late).toEqual([{ spans: [span('one'), span('two')] }]);
  });

  it('counts a span by its JSON’s size', () => {
    const spans = createCallSpans(() => {}, { maxSpans: 100, maxBytes: 1_000 });
    spans.add(span('big', { attributes: { blob: 'x'.repeat(2_000) } }));
    spans.add(span('small'));
    expect(spans.takeEnded()).toEqual({ spans: [span('small')], dropped: 1 });
  });
});
