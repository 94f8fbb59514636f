/**
 * What one call may send of its function's spans: a function that starts spans in a loop must not
 * flood its node agent (every span is an IPC message's worth of JSON the agent parses and exports).
 */
export interface SpanLimits {
  maxSpans: number;
  /** Of the spans' JSON, in UTF-16 code units (what JSON.stringify's length counts). */
  maxBytes: number;
}

/** 128 spans of ~1 KB each: far more than a call's own work needs, far less than a flood. */
export const CALL_SPAN_LIMITS: SpanLimits = { maxSpans: 128, maxBytes: 128 * 1024 };

export interface SpanBudget {
  spans: number;
  bytes: number;
  dropped: number;
}

export const EMPTY_BUDGET: SpanBudget = { spans: 0, bytes: 0, dropped: 0 };

/** Whether a span of `bytes` fits what the call has sent so far, and the budget after it. */
export function admitSpan(budget: SpanBudget, bytes: number, limits: SpanLimits): { admitted: boolean; budget: SpanBudget } {
  if (budget.spans + 1 > limits.maxSpans || budget.bytes + bytes > limits.maxBytes) {
    return { admitted: false, budget: { ...budget, dropped: budget.dropped + 1 } };
  }
  return { admitted: true, budget: { spans: budget.spans + 1, bytes: budget.bytes + bytes, dropped: budget.dropped } };
}
