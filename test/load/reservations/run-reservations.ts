/**
 * `npm run load -- reservations [--smoke]`: the reservation pipeline (functions/reservation) under
 * a spike. Deploys gate, reserve and report with the CLI, applies their two Triggers, waits for
 * gate and reserve to be at zero pods, spikes reservations at gate, waits until report counts every
 * accepted one, then until the pipeline is back at zero pods, and reports what it saw.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { request, type Agent } from 'undici';
import { apiHeaders, apiToken } from '../../support/api-auth.js';
import { runCli } from '../../support/tide-process.js';
import { startPodSampler, type PodSampler } from '../pod-sampler.js';
import { API_PATH, createTideApi, waitForNoPods } from '../tide-api.js';
import {
  failures,
  formatFigures,
  podStrip,
  type ReportAnswer,
  type ReservationFigures,
  type ReservationsPlan,
  reservationFigures,
  triggerLagIn,
} from './reservation-figures.js';
import { spikeReservations } from './spike.js';

export const FULL_PLAN: ReservationsPlan = { reservations: 2000, persons: 100, concurrency: 32, resendEvery: 20 };
export const SMOKE_PLAN: ReservationsPlan = { reservations: 100, persons: 10, concurrency: 8, resendEvery: 10 };

/** Every function scales to zero 5 s after its last call (or, for reserve, its last lag). */
const SCALE_TO_ZERO_AFTER_SECONDS = 5;
const FUNCTIONS = [
  { name: 'gate', dir: 'functions/reservation/gate', scale: ['--min', '0', '--max', '6', '--target', '8'] },
  { name: 'reserve', dir: 'functions/reservation/reserve', scale: ['--min', '0', '--max', '4', '--target', '20'] },
  { name: 'report', dir: 'functions/reservation/report', scale: ['--min', '0', '--max', '1', '--target', '10'] },
] as const;
const TRIGGERS_FILE = 'functions/reservation/triggers.yaml';
const TRIGGER_NAMES = ['reserve-reservations', 'report-every-10s'];
/** report wakes every 10 s for its cron tick, so only these two are expected to stay at zero. */
const IDLE_AT_ZERO = ['gate', 'reserve'];
const ZERO_PODS_TIMEOUT_MS = 60_000;
const POLL_MS = 500;

export interface ReservationsContext {
  url: string;
  repoRoot: string;
  outDir: string;
  signal: AbortSignal;
  callerAgent: Agent;
  apiAgent: Agent;
  log: (line: string) => void;
}

export async function runReservations(
  plan: ReservationsPlan,
  ctx: ReservationsContext,
): Promise<{ figures: ReservationFigures; text: string; failed: string[] }> {
  const names: string[] = FUNCTIONS.map((f) => f.name);
  const api = createTideApi(ctx.url, ctx.apiAgent);
  let sampler: PodSampler | undefined;
  let lagPoller: { stop(): Promise<number | undefined> } | undefined;
  try {
    for (const fn of FUNCTIONS) {
      ctx.log(`deploying ${fn.name}`);
      const args = ['deploy', join(ctx.repoRoot, fn.dir), ...fn.scale, '--scale-to-zero-after', String(SCALE_TO_ZERO_AFTER_SECONDS), '--stable-window', '6'];
      await cli(args, ctx.url);
    }
    ctx.log(`applying ${TRIGGER_NAMES.join(' and ')}`);
    await cli(['apply', '-f', join(ctx.repoRoot, TRIGGERS_FILE)], ctx.url);
    ctx.log(`waiting for ${IDLE_AT_ZERO.join(' and ')} to be at 0 pods`);
    await waitForNoPods(api, IDLE_AT_ZERO, ZERO_PODS_TIMEOUT_MS, ctx.signal);

    const origin = performance.now();
    const elapsedMs = () => performance.now() - origin;
    sampler = startPodSampler({ api, names, intervalMs: 250, elapsedMs, maxSamples: 4 * 60 * 15 });
    lagPoller = pollTriggerLag(ctx);
    const run = `r${Date.now().toString(36)}`;
    ctx.log(`spike: ${plan.reservations} reservations over ${plan.persons} persons, ${plan.concurrency} at a time`);
    const spike = await spikeReservations({ url: ctx.url, run, plan, dispatcher: ctx.callerAgent, signal: ctx.signal, elapsedMs });
    const spikeMs = elapsedMs();
    ctx.log(`accepted ${spike.accepted.length} in ${(spikeMs / 1000).toFixed(1)} s; waiting for report to count them`);
    const drain = await waitForDrain(
      ctx,
      spike.accepted.map((r) => r.id),
      drainTimeoutMs(plan),
    );
    const drainedAtMs = drain.drained ? elapsedMs() : undefined;
    if (drain.drained) {
      ctx.log(`all counted after ${((drainedAtMs ?? 0) / 1000).toFixed(1)} s; waiting for ${IDLE_AT_ZERO.join(' and ')} to go back to 0 pods`);
      await waitForNoPods(api, IDLE_AT_ZERO, ZERO_PODS_TIMEOUT_MS, ctx.signal).catch((error: Error) => ctx.log(error.message));
      // One more sample so the strip shows the zero.
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await sampler.stop();
    const triggerLagPeak = await lagPoller.stop();
    const cron = await cronStatus(ctx);
    const figures = reservationFigures({
      plan,
      accepted: spike.accepted,
      resent: spike.resent,
      refused: spike.refused,
      spikeMs,
      drainMs: drainedAtMs,
      report: drain.report,
      names,
      samples: sampler.samples,
      drainedAtMs,
      triggerLagPeak,
      cron,
      backlogPeak: drain.backlogPeak,
    });
    const samples = sampler.samples;
    const text = formatFigures(figures, (name) => podStrip(samples, names.indexOf(name)));
    await writeFile(join(ctx.outDir, 'reservations.json'), `${JSON.stringify({ figures, samples }, null, 1)}\n`);
    return { figures, text, failed: failures(figures) };
  } finally {
    await sampler?.stop();
    await lagPoller?.stop();
    await removePipeline(ctx, names);
  }
}

/** Bounded by the work: a second per 20 reservations, at least two minutes. */
const drainTimeoutMs = (plan: ReservationsPlan) => Math.max(120_000, plan.reservations * 50);

async function cli(args: string[], url: string): Promise<string> {
  const token = apiToken(url);
  const result = await runCli(args, { server: url, timeoutMs: 120_000, ...(token ? { token } : {}) });
  if (result.code !== 0) throw new Error(`tide ${args.join(' ')} exited ${result.code}: ${result.stderr.trim().slice(-1_500)}`);
  return result.stdout;
}

/** Polls GET /report until it lists every accepted id; the backlog is accepted − reserved meanwhile. */
async function waitForDrain(ctx: ReservationsContext, accepted: readonly string[], timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let report: ReportAnswer = { reserved: 0, persons: 0, bySlot: {}, ids: {} };
  let backlogPeak = 0;
  for (let i = 0; i < 100_000 && Date.now() < deadline; i++) {
    ctx.signal.throwIfAborted();
    const counts = await getReport(ctx, false).catch(() => undefined);
    if (counts) {
      backlogPeak = Math.max(backlogPeak, accepted.length - counts.reserved);
      if (counts.reserved >= accepted.length) {
        report = (await getReport(ctx, true).catch(() => undefined)) ?? report;
        const ids = new Set(Object.values(report.ids).flat());
        if (accepted.every((id) => ids.has(id))) return { drained: true, report, backlogPeak };
      } else report = { ...counts, ids: report.ids };
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  // Not drained: the last full answer says which are missing.
  report = (await getReport(ctx, true).catch(() => undefined)) ?? report;
  return { drained: false, report, backlogPeak };
}

async function getReport(ctx: ReservationsContext, ids: boolean): Promise<ReportAnswer> {
  const response = await request(`${ctx.url}/fn/default/report/report${ids ? '?ids=1' : ''}`, {
    dispatcher: ctx.apiAgent,
    headersTimeout: 35_000,
    bodyTimeout: 35_000,
  });
  const text = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`GET /fn/default/report/report answered ${response.statusCode}: ${text.slice(0, 300)}`);
  const body = JSON.parse(text) as Omit<ReportAnswer, 'ids'> & { ids?: Record<string, string[]> };
  return { ...body, ids: body.ids ?? {} };
}

/** Reads tide_trigger_lag at /metrics every half second; stop() answers the peak (undefined: never served). */
function pollTriggerLag(ctx: ReservationsContext) {
  let peak: number | undefined;
  let stopped = false;
  const loop = (async () => {
    for (let i = 0; i < 100_000 && !stopped; i++) {
      try {
        const response = await request(`${ctx.url}/metrics`, {
          dispatcher: ctx.apiAgent,
          headers: apiHeaders(ctx.url),
          headersTimeout: 10_000,
          bodyTimeout: 10_000,
        });
        const lag = triggerLagIn(await response.body.text());
        if (lag !== undefined) peak = Math.max(peak ?? 0, lag);
      } catch {
        // a busy Tide may not answer one poll; the next may
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return peak;
    },
  };
}

/** How often report's cron trigger fired, from the trigger's status (the fold counts CronFired events). */
async function cronStatus(ctx: ReservationsContext): Promise<{ fired: number; skipped: number } | undefined> {
  try {
    const response = await request(`${ctx.url}${API_PATH}/triggers/${TRIGGER_NAMES[1]}`, {
      dispatcher: ctx.apiAgent,
      headers: apiHeaders(ctx.url),
      headersTimeout: 10_000,
    });
    const body = (await response.body.json()) as { status?: { fired?: number; skipped?: number } };
    return response.statusCode === 200 ? { fired: body.status?.fired ?? 0, skipped: body.status?.skipped ?? 0 } : undefined;
  } catch {
    return undefined;
  }
}

/** Deletes the triggers and functions (best effort), so a run against --url leaves nothing behind. */
async function removePipeline(ctx: ReservationsContext, names: readonly string[]): Promise<void> {
  const del = (path: string) =>
    request(`${ctx.url}${path}`, { method: 'DELETE', dispatcher: ctx.apiAgent, headers: apiHeaders(ctx.url) }).then((r) => r.body.text());
  await Promise.allSettled(TRIGGER_NAMES.map((name) => del(`${API_PATH}/triggers/${name}`)));
  await Promise.allSettled(names.map((name) => del(`${API_PATH}/functions/${name}`)));
}
