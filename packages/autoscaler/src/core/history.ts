import { decodeMetricsReport, type MetricsReport } from '@tide/core';
import { asDecisionRecord, type DecisionRecord } from './decision-record.js';
import type { Sample } from './metric-window.js';

/** One function's share of a gateway's load report or a node's CPU report. */
export interface FunctionSample {
  readonly namespace: string;
  readonly name: string;
  readonly sample: Sample;
}

/**
 * The samples a metrics report holds, per function: the one reading of a report, for the live
 * autoscaler and for replay alike.
 */
export function samplesOf(report: MetricsReport): FunctionSample[] {
  // A lag is a level per trigger (lag.ts), not load: it fills no bucket of the window.
  if (report.kind === 'trigger-lag') {
    return report.samples.map((s) => ({
      namespace: s.namespace,
      name: s.name,
      sample: { at: report.at, concurrency: 0, requests: 0, source: report.source, lag: { trigger: s.trigger, lag: s.lag, parallelism: s.parallelism } },
    }));
  }
  if (report.kind === 'pod-cpu') {
    return report.samples.map((s) => ({ namespace: s.namespace, name: s.name, sample: { at: report.at, concurrency: 0, requests: 0, cpuMilli: s.cpuMilli } }));
  }
  // A report covers intervalMs; its share of its second keeps partial reports from double counting.
  const share = Math.min(1, report.intervalMs / 1000);
  return report.samples.map((s) => ({
    namespace: s.namespace,
    name: s.name,
    // What is in flight at the end of the interval (at least what waits for a pod) is a floor under
    // the panic window, so a load step counts before it is averaged.
    sample: { at: report.at, concurrency: s.concurrency * share, requests: s.requests, waiting: Math.max(s.waiting, s.inFlight ?? 0), source: report.source },
  }));
}

/** A function's recorded history on the metrics topic, in offset order. */
export type HistoryEntry = { readonly offset: number; readonly sample: Sample } | { readonly offset: number; readonly decision: DecisionRecord };

export function historyOf(records: Iterable<{ readonly offset: number; readonly value: Uint8Array }>, namespace: string, name: string): HistoryEntry[] {
  const entries: HistoryEntry[] = [];
  for (const record of records) {
    const decision = decisionIn(record.value);
    if (decision) {
      if (decision.namespace === namespace && decision.name === name) entries.push({ offset: record.offset, decision });
      continue;
    }
    const report = decodeMetricsReport(record.value);
    for (const s of report ? samplesOf(report) : [])
      if (s.namespace === namespace && s.name === name) entries.push({ offset: record.offset, sample: s.sample });
  }
  return entries.sort((a, b) => a.offset - b.offset);
}

export function decisionIn(value: Uint8Array): DecisionRecord | undefined {
  try {
    return asDecisionRecord(JSON.parse(new TextDecoder().decode(value)));
  } catch {
    return undefined;
  }
}
