/**
 * The figures of a reservations run, from what was observed: the reservations gate accepted (and
 * when), what report answered at the end, the pod samples and the trigger lag seen. Pure.
 */
import type { ReplicaSample } from '../pod-sampler.js';

export interface ReservationsPlan {
  reservations: number;
  persons: number;
  concurrency: number;
  /** Every this many reservations, one is sent a second time with its id once accepted (0: none). */
  resendEvery: number;
}

export interface ReportAnswer {
  reserved: number;
  persons: number;
  bySlot: Record<string, number>;
  /** Each person's reserved ids, in the order reserve reserved them. */
  ids: Record<string, string[]>;
}

/** A reservation gate answered 202 for: when its first attempt was sent, and when the 202 came. */
export interface AcceptedReservation {
  id: string;
  person: string;
  sentAtMs: number;
  acceptedAtMs: number;
}

export interface ObservedRun {
  plan: ReservationsPlan;
  accepted: readonly AcceptedReservation[];
  /** Accepted reservations sent again with the same id (and accepted again): none may count twice. */
  resent: number;
  /** Final answers other than 202, by status or error code. */
  refused: Record<string, number>;
  spikeMs: number;
  /** From the spike's start until report counted every accepted id; undefined if it never did. */
  drainMs: number | undefined;
  report: ReportAnswer;
  names: readonly string[];
  samples: readonly ReplicaSample[];
  /** When the drain was seen (ms on the samples' clock). */
  drainedAtMs: number | undefined;
  /** Highest tide_trigger_lag read from /metrics; undefined when Tide did not serve it. */
  triggerLagPeak: number | undefined;
  /** Highest accepted − reserved seen while draining: the pipeline's backlog. */
  backlogPeak: number;
  /** The cron trigger's status at the end: ticks fired and skipped; undefined if it could not be read. */
  cron?: { fired: number; skipped: number } | undefined;
}

export interface FunctionPods {
  name: string;
  /** Most Ready pods at once: the replicas that served. */
  maxReady: number;
  /** Most pods at once in any phase (starting and stopping ones too). */
  maxPods: number;
  /** ms after the drain at which it first had no pod; undefined if it never did while observed. */
  zeroAfterDrainMs: number | undefined;
}

export interface ReservationFigures {
  plan: ReservationsPlan;
  accepted: number;
  refused: Record<string, number>;
  reserved: number;
  /** Accepted, never reserved. Goal 0. */
  lost: number;
  /** Reserved more than once. Goal 0. */
  doubled: number;
  /** Reserved though gate never answered 202 for them (a call that timed out after the send). */
  unconfirmed: number;
  resent: number;
  /**
   * Pairs of one person's reservations reserved in the other order than they were accepted: A's
   * 202 came before B was sent, yet B was reserved first. Goal 0 (per-key order).
   */
  outOfOrder: number;
  /** Pairs whose order was checked. */
  orderedPairs: number;
  spikeMs: number;
  drainMs: number | undefined;
  pods: FunctionPods[];
  triggerLagPeak: number | undefined;
  backlogPeak: number;
  cron: { fired: number; skipped: number } | undefined;
  bySlot: Record<string, number>;
}

export function reservationFigures(run: ObservedRun): ReservationFigures {
  const accepted = new Set(run.accepted.map((r) => r.id));
  const listed = Object.values(run.report.ids).flat();
  const reportedIds = new Set(listed);
  const lost = [...accepted].filter((id) => !reportedIds.has(id)).length;
  // Counted twice in the counts, or listed twice.
  const doubled = Math.max(0, run.report.reserved - reportedIds.size) + (listed.length - reportedIds.size);
  const unconfirmed = [...reportedIds].filter((id) => !accepted.has(id)).length;
  const order = orderOf(run.accepted, run.report.ids);
  return {
    plan: run.plan,
    accepted: accepted.size,
    refused: run.refused,
    reserved: run.report.reserved,
    lost,
    doubled,
    unconfirmed,
    resent: run.resent,
    outOfOrder: order.outOfOrder,
    orderedPairs: order.pairs,
    spikeMs: run.spikeMs,
    drainMs: run.drainMs,
    pods: run.names.map((name, i) => ({
      name,
      maxReady: Math.max(0, ...run.samples.map((s) => s.ready[i] ?? 0)),
      maxPods: Math.max(0, ...run.samples.map((s) => s.pods[i] ?? 0)),
      zeroAfterDrainMs: zeroAfter(run.samples, i, run.drainedAtMs),
    })),
    triggerLagPeak: run.triggerLagPeak,
    backlogPeak: run.backlogPeak,
    cron: run.cron,
    bySlot: run.report.bySlot,
  };
}

/** Pairs (A before B: A accepted before B was sent) of one person: how many were reserved B first, of how many. */
export function orderOf(accepted: readonly AcceptedReservation[], ids: Record<string, string[]>): { outOfOrder: number; pairs: number } {
  const byPerson = new Map<string, AcceptedReservation[]>();
  for (const r of accepted) byPerson.set(r.person, [...(byPerson.get(r.person) ?? []), r]);
  let outOfOrder = 0;
  let pairs = 0;
  for (const [person, list] of byPerson) {
    const position = new Map((ids[person] ?? []).map((id, i) => [id, i]));
    for (const a of list)
      for (const b of list) {
        if (a.acceptedAtMs >= b.sentAtMs) continue;
        const pa = position.get(a.id);
        const pb = position.get(b.id);
        if (pa === undefined || pb === undefined) continue;
        pairs++;
        if (pa > pb) outOfOrder++;
      }
  }
  return { outOfOrder, pairs };
}

function zeroAfter(samples: readonly ReplicaSample[], fn: number, drainedAtMs: number | undefined): number | undefined {
  if (drainedAtMs === undefined) return undefined;
  const zero = samples.find((s) => s.atMs >= drainedAtMs && s.pods[fn] === 0);
  return zero ? zero.atMs - drainedAtMs : undefined;
}

/** Why the run failed its goals; empty when it met them. */
export function failures(f: ReservationFigures): string[] {
  const out: string[] = [];
  if (f.lost > 0) out.push(`${f.lost} accepted reservations were lost`);
  if (f.doubled > 0) out.push(`${f.doubled} reservations were counted twice`);
  if (f.outOfOrder > 0) out.push(`${f.outOfOrder} pairs of one person's reservations were reserved out of order`);
  if (f.drainMs === undefined) out.push('report never counted every accepted reservation');
  if (f.accepted === 0) out.push('gate accepted no reservation');
  return out;
}

/** Peak of `tide_trigger_lag` samples in a Prometheus text page (all series summed per page). */
export function triggerLagIn(metricsText: string): number | undefined {
  let total: number | undefined;
  for (const line of metricsText.split('\n')) {
    const match = /^tide_trigger_lag(?:\{[^}]*\})?\s+([0-9.eE+-]+)/.exec(line);
    if (match) total = (total ?? 0) + Number(match[1]);
  }
  return total;
}

export function formatFigures(f: ReservationFigures, pods: (name: string) => string): string {
  const s = (ms: number | undefined) => (ms === undefined ? 'never' : `${(ms / 1000).toFixed(1)} s`);
  const refused = Object.entries(f.refused).map(([k, n]) => `${k}: ${n}`);
  const lines = [
    `reservations: ${f.plan.reservations} over ${f.plan.persons} persons, ${f.plan.concurrency} callers, every ${f.plan.resendEvery}th sent twice`,
    `accepted     ${f.accepted}${refused.length ? `  (not accepted: ${refused.join(', ')})` : ''}   spike took ${s(f.spikeMs)}`,
    `reserved     ${f.reserved}${f.unconfirmed ? `  (${f.unconfirmed} of them never confirmed to the caller)` : ''}`,
    `lost         ${f.lost}   (goal 0)`,
    `doubled      ${f.doubled}   (goal 0; ${f.resent} accepted reservations were sent twice with their id)`,
    `out of order ${f.outOfOrder}   (goal 0: of ${f.orderedPairs} pairs of one person's reservations, one accepted before the other was sent, those reserved the other way round)`,
    `drained in   ${s(f.drainMs)} from the spike's start`,
    `trigger lag  peak ${f.triggerLagPeak ?? 'n/a (no tide_trigger_lag at /metrics)'}; after the spike, accepted − reserved peak ${f.backlogPeak}`,
    'pods         ready (max)  pods (max)  zero after the drain  pods over time (1 char/s)',
    ...f.pods.map(
      (p) =>
        `  ${p.name.padEnd(10)} ${String(p.maxReady).padStart(11)} ${String(p.maxPods).padStart(11)}  ${(p.zeroAfterDrainMs === undefined ? 'not seen' : s(p.zeroAfterDrainMs)).padStart(20)}  ${pods(p.name)}`,
    ),
    `cron         report's trigger ${f.cron ? `fired ${f.cron.fired} ticks, skipped ${f.cron.skipped}` : 'status not read'}`,
    `by slot      ${Object.entries(f.bySlot)
      .map(([slot, n]) => `${slot}=${n}`)
      .join(' ')}`,
  ];
  return lines.join('\n');
}

/** Pods of one function over time, one character per `bucketMs` (max in the bucket; 0-9, + above). */
export function podStrip(samples: readonly ReplicaSample[], fn: number, bucketMs = 1000): string {
  if (samples.length === 0) return '';
  const end = samples.at(-1)!.atMs;
  const buckets = Math.min(120, Math.ceil(end / bucketMs) + 1);
  const width = Math.max(bucketMs, end / buckets);
  const max = new Array<number>(buckets).fill(-1);
  for (const sample of samples) {
    const b = Math.min(buckets - 1, Math.floor(sample.atMs / width));
    max[b] = Math.max(max[b]!, sample.pods[fn] ?? 0);
  }
  return max.map((n) => (n < 0 ? ' ' : n > 9 ? '+' : n === 0 ? '.' : String(n))).join('');
}
