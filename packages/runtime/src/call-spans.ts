import type { SpanBatch, SpanRecord } from './runtime-config.js';
import { admitSpan, CALL_SPAN_LIMITS, EMPTY_BUDGET, type SpanBudget, type SpanLimits } from './span-budget.js';

/** Where a traced call's function spans go as they end. */
export interface CallSpans {
  add(span: SpanRecord): void;
  /**
   * At the response's end: the spans ended so far, to go with the call's InvocationRecord. Spans
   * that end later (a span still open when the response ended) go to `onLate`, in batches.
   */
  takeEnded(): { spans: SpanRecord[]; dropped: number };
}

/**
 * A call's spans within its limits (span-budget.ts), counted over its whole life: late spans count
 * against the same budget. Late spans that end in one synchronous run are one batch, sent before
 * the next I/O (a pod that exits once its waitUntil work settles still sends them).
 */
export function createCallSpans(onLate: (batch: SpanBatch) => void, limits: SpanLimits = CALL_SPAN_LIMITS): CallSpans {
  let budget: SpanBudget = EMPTY_BUDGET;
  let ended: SpanRecord[] | undefined = [];
  let late: SpanRecord[] = [];
  let lateDroppedFrom = 0;
  let flushing = false;

  const flushLate = () => {
    flushing = false;
    const dropped = budget.dropped - lateDroppedFrom;
    lateDroppedFrom = budget.dropped;
    const spans = late;
    late = [];
    onLate(dropped ? { spans, dropped } : { spans });
  };

  return {
    add(span) {
      const verdict = admitSpan(budget, JSON.stringify(span).length, limits);
      budget = verdict.budget;
      if (ended) {
        if (verdict.admitted) ended.push(span);
        return;
      }
      if (verdict.admitted) late.push(span);
      if (!flushing) {
        flushing = true;
        queueMicrotask(flushLate);
      }
    },
    takeEnded() {
      const spans = ended ?? [];
      ended = undefined;
      lateDroppedFrom = budget.dropped;
      return { spans, dropped: budget.dropped };
    },
  };
}
