import type { DriveResult } from './load-driver.js';
import { callerSeries, loadSteps } from './load-plan.js';
import type { ReplicaSample } from './pod-sampler.js';
import { stepReactions, type StepReaction } from './reactions.js';
import type { ScaleEvent } from './scale-events.js';
import type { ScenarioPlan } from './scenario.js';
import { errorCounts, isSuccess, median, perSecond, summarizeLatency, type LatencySummary, type SecondBucket } from './stats.js';

/** Everything one scenario run recorded, before any figure is computed. */
export interface ScenarioRun {
  plan: ScenarioPlan;
  startedAt: string;
  url: string;
  drive: DriveResult;
  samples: ReplicaSample[];
  scaleEvents: ScaleEvent[];
  samplerFailures: number;
  /** Set-up before the load: deploying, and (from zero) waiting for 0 pods. */
  setupMs: { deploy: number; toZeroPods?: number };
}

/** Milliseconds over the functions that reacted: one function gives min = median = max. */
export interface Spread {
  reacted: number;
  of: number;
  minMs: number;
  medianMs: number;
  maxMs: number;
  /** The first function's from → to, to show what the reaction was. */
  example?: { from: number; to: number };
}

export interface StepSummary {
  label: string;
  atS: number;
  fromCallers: number;
  toCallers: number;
  firstScale?: Spread;
  readyChange?: Spread;
  zeroPods?: Spread;
}

export interface TimelinePoint {
  tS: number;
  /** Callers over all functions. */
  callers: number;
  ready: number;
  desired: number;
  pods: number;
}

/** The figures of one run: printed by report-text.ts, charted by timeline-chart.ts, saved as JSON. */
export interface LoadReport {
  scenario: string;
  summary: string;
  startedAt: string;
  url: string;
  functions: string[];
  setupMs: ScenarioRun['setupMs'];
  durationS: number;
  requests: number;
  ok: number;
  errors: Record<string, number>;
  latencyMs: LatencySummary;
  steps: StepSummary[];
  /** Callers over all functions as [s, callers], exactly as the driver changed them. */
  callers: [number, number][];
  timeline: TimelinePoint[];
  perSecond: SecondBucket[];
  scaleEvents: { tS: number; fn: string; from: number; to: number; reason: string; accepted: boolean }[];
  samplerFailures: number;
}

export function buildReport(run: ScenarioRun): LoadReport {
  const { plan, drive } = run;
  const names = plan.functions.map((f) => f.name);
  const steps = loadSteps(plan.phases, drive.phaseStartsMs);
  const reactions = stepReactions(steps, run.samples, run.scaleEvents, names.length);
  const callers = callerSeries(plan.phases, drive.phaseStartsMs, drive.endMs);
  const ok = drive.records.filter((r) => isSuccess(r.outcome)).length;
  return {
    scenario: plan.name,
    summary: plan.summary,
    startedAt: run.startedAt,
    url: run.url,
    functions: names,
    setupMs: run.setupMs,
    durationS: round(drive.endMs / 1000),
    requests: drive.records.length,
    ok,
    errors: errorCounts(drive.records.map((r) => r.outcome)),
    latencyMs: roundAll(summarizeLatency(drive.records.map((r) => r.latencyMs))),
    steps: steps.map((step, i) => ({
      label: step.label,
      atS: round(step.atMs / 1000),
      fromCallers: step.fromCallers,
      toCallers: step.toCallers,
      ...spreads(
        reactions.filter((r) => r.step === i),
        names.length,
      ),
    })),
    callers: callers.map(([ms, n]) => [round(ms / 1000), n * names.length]),
    timeline: run.samples.map((s) => ({
      tS: round(s.atMs / 1000),
      callers: callersAtMs(callers, s.atMs) * names.length,
      ready: sum(s.ready),
      desired: sum(s.desired),
      pods: sum(s.pods),
    })),
    perSecond: perSecond(drive.records).map((b) => roundAll(b)),
    scaleEvents: run.scaleEvents.map((e) => ({
      tS: round(e.atMs / 1000),
      fn: names[e.fn] ?? '?',
      from: e.from,
      to: e.to,
      reason: e.reason,
      accepted: e.accepted,
    })),
    samplerFailures: run.samplerFailures,
  };
}

function spreads(reactions: StepReaction[], of: number): Pick<StepSummary, 'firstScale' | 'readyChange' | 'zeroPods'> {
  const spreadOf = (found: ({ afterMs: number; from?: number; to?: number } | undefined)[]): Spread | undefined => {
    const times = found.flatMap((f) => (f ? [f.afterMs] : []));
    if (times.length === 0) return undefined;
    const first = found.find((f) => f);
    const example = first?.from !== undefined && first.to !== undefined ? { from: first.from, to: first.to } : undefined;
    return {
      reacted: times.length,
      of,
      minMs: Math.round(Math.min(...times)),
      medianMs: Math.round(median(times)),
      maxMs: Math.round(Math.max(...times)),
      ...(example ? { example } : {}),
    };
  };
  return {
    firstScale: spreadOf(reactions.map((r) => r.firstScale)),
    readyChange: spreadOf(reactions.map((r) => r.readyChange)),
    zeroPods: spreadOf(reactions.map((r) => r.zeroPods)),
  };
}

/** The caller count in force at `atMs` on a step series of [ms, callers]. */
function callersAtMs(series: readonly [number, number][], atMs: number): number {
  let value = 0;
  for (const [t, callers] of series) {
    if (t > atMs) break;
    value = callers;
  }
  return value;
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
const round = (v: number, digits = 2) => Number(v.toFixed(digits));
function roundAll<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' && Number.isFinite(v) ? round(v) : v])) as T;
}
