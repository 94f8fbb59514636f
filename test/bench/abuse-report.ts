import type { AbuseBenchResult, AbuseWindow } from './abuse-bench.js';
import { ABUSE_BENCH } from './abuse-bench.js';
import { formatCell, renderTable, type Cell } from './table.js';
import { meets, TARGETS } from './targets.js';

/** "+12 %", "-3 %", or "-" for the baseline itself. */
function signedPct(pct: number | undefined): string {
  if (pct === undefined) return '-';
  return `${pct >= 0 ? '+' : ''}${Math.round(pct)} %`;
}

/** "504 ×2, 200 ×1" (0: no answer), or "-" when no call ended inside the window. */
function answers(w: AbuseWindow): string {
  const entries = Object.entries(w.abuseAnswers);
  return entries.length === 0 ? '-' : entries.map(([status, n]) => `${status} ×${n}`).join(', ');
}

export function abuseReport(r: AbuseBenchResult): string {
  const limit = TARGETS.neighbourP99RisePct;
  const row = (w: AbuseWindow): Cell[] => [
    w.name,
    w.neighbour.count,
    w.neighbour.p50,
    w.neighbour.p99,
    w.neighbour.max,
    w.baselineP99 ?? '-',
    signedPct(w.p99VsBaselinePct),
    w.failed,
    w.abuses,
    w.abuserPods,
    w.abuserRestarts,
    w.baseline ? '-' : `${Math.round(w.abuserReadyPct)} %`,
    w.loadAverage1m,
    // The baselines are the yardstick, not abuses.
    w.baseline ? '-' : meets(w.p99VsBaselinePct, limit),
  ];
  const lines = [
    renderTable(
      `13. Noisy neighbour: a function's latency while another tenant abuses its pod (tide up --sandbox bwrap; windows of ${formatCell(r.windowMs / 1000)} s; the neighbour, 500m and 128 MB, called one call at a time every ${r.callEveryMs} ms from a worker thread)`,
      [
        'window',
        'calls',
        'p50 ms',
        'p99 ms',
        'max ms',
        'baseline p99',
        'p99 vs baseline',
        'failed',
        'abuses',
        'abuser pods',
        'restarts',
        'abuser up',
        'load 1m',
        `p99 ≤ +${limit} %`,
      ],
      r.windows.map(row),
    ),
    `The neighbour's calls start ${formatCell(ABUSE_BENCH.warmupMs / 1000)} s before the first window (warm-up, counted in none). Baselines (no abuse) and abuses take turns; an abuse's baseline p99 is the mean of the baselines' either side of it, so that the machine's drift over the run is not counted as the abuse's.`,
    `Abusers (namespace abuse, 128 MB, 200m reserved, test/fixtures/functions/abuser) are deployed before their window and deleted after it, until no pod of theirs is left, then ${formatCell(ABUSE_BENCH.settleMs / 1000)} s of rest; every window polls the abuse namespace's pods every ${ABUSE_BENCH.pollEveryMs} ms, baselines too.`,
    "   calls: the neighbour's calls sent in the window (failed: not 200, their time counted too); abuses: the abuse's calls (ignore SIGTERM: abusers deployed, made deaf and deleted); abuser pods: distinct pods seen (a pod that exits restarts under its name), restarts: theirs in the window (OOM kills, timeouts), abuser up: share of the polls that found one Ready (a crash-looping pod waits out a back-off: the abuse pauses); load 1m: the machine's 1-minute load average at the window's end.",
    ...r.windows.filter((w) => !w.baseline).map((w) => `   ${w.name}: ${w.does}; answered ${answers(w)}`),
  ];
  if (r.limits) lines.push(`tide up: ${r.limits}`);
  if (r.skipped) lines.push(`not measured: this machine cannot sandbox (${r.skipped})`);
  return lines.join('\n');
}
