import type { TideFunction } from '@tide/core';
import {
  autoscalerSpecOf,
  AutoscalerSpecError,
  initialScalerState,
  replay,
  replayRecorded,
  withDefaults,
  type AutoscalerSpec,
  type HistoryEntry,
  type ReplayedDecision,
} from '@tide/autoscaler';
import { CliError, type ApiClient } from '../api-client.js';
import { table } from '../format.js';
import { functionPath } from '../paths.js';
import { sideBySide, summarize, type Timeline } from './autoscale-replay-timeline.js';

const DURATIONS: Record<string, keyof AutoscalerSpec> = {
  stableWindow: 'stableWindowMs',
  panicWindow: 'panicWindowMs',
  scaleToZeroAfter: 'scaleToZeroAfterMs',
};
const NUMBERS = ['min', 'max', 'target', 'targetUtilization', 'panicThreshold', 'maxScaleUpRate', 'maxScaleDownRate', 'cpuTargetPercent'] as const;

/** "10s", "500ms", "2m" or a plain number of seconds, in milliseconds. */
export function parseDuration(key: string, raw: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(raw.trim());
  if (!match) throw new CliError(`--set ${key}=${raw}: a duration looks like 500ms, 10s or 2m`, 2);
  const value = Number(match[1]);
  return match[2] === 'ms' ? value : match[2] === 'm' ? value * 60_000 : value * 1000;
}

/** `target=20,panicWindow=10s` → the autoscaler settings to change. */
export function parseWhatIf(text: string): Partial<AutoscalerSpec> {
  const changes: Record<string, unknown> = {};
  for (const term of text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)) {
    const at = term.indexOf('=');
    const key = term.slice(0, at).trim();
    const raw = term.slice(at + 1).trim();
    if (at <= 0 || !raw) throw new CliError(`--set "${term}" must look like key=value`, 2);
    if (key in DURATIONS) changes[DURATIONS[key]!] = parseDuration(key, raw);
    else if ((NUMBERS as readonly string[]).includes(key)) {
      const value = Number(raw);
      if (!Number.isFinite(value)) throw new CliError(`--set ${key}=${raw}: not a number`, 2);
      changes[key] = value;
    } else if (key === 'metric') changes.metric = raw;
    else throw new CliError(`--set: unknown setting "${key}"; use ${[...NUMBERS, 'metric', ...Object.keys(DURATIONS)].join(', ')}`, 2);
  }
  return changes as Partial<AutoscalerSpec>;
}

/** The function's recorded history (samples and decisions) from `from` (default: the recent past), read by the API from the metrics topic. */
async function readHistory(
  api: ApiClient,
  namespace: string,
  name: string,
  from: number | undefined,
): Promise<{ from: number; to: number; history: HistoryEntry[] }> {
  const query = from === undefined ? '' : `?from=${from}`;
  return api.ok<{ from: number; to: number; history: HistoryEntry[] }>('GET', `${functionPath(namespace, name)}/metrics${query}`);
}

/**
 * `tide autoscale replay <fn> [--from OFFSET] --set ...`: the recorded history of a function on the
 * metrics topic run through the autoscaler twice. NOW makes the recorded decisions again, at the
 * moments they were made, with what the autoscaler saw (the same steps as the live autoscaler, so
 * it shows what happened); WHAT-IF runs the changed settings over the same load and moments, with
 * pods modelled as ready at once.
 */
export async function autoscaleReplay(
  api: ApiClient,
  options: { namespace: string; name: string; from?: number; set: string; tickMs?: number },
): Promise<string> {
  const fn = await api.ok<TideFunction>('GET', functionPath(options.namespace, options.name));
  const recorded = await readHistory(api, options.namespace, options.name, options.from);
  const history = recorded.history;
  const samples = history.flatMap((e) => ('sample' in e ? [e.sample] : []));
  if (history.length === 0)
    return `no load recorded for ${options.namespace}/${options.name} in tide.metrics offsets ${recorded.from}..${recorded.to}: call it first`;
  const current = autoscalerSpecOf(fn);
  let whatIf: AutoscalerSpec;
  try {
    whatIf = withDefaults({ ...current, ...parseWhatIf(options.set) });
  } catch (error) {
    if (error instanceof AutoscalerSpecError) throw new CliError(`--set: ${error.message}`, 2);
    throw error;
  }
  const tickMs = options.tickMs ?? 2000;
  const decisions = history.flatMap((e) => ('decision' in e ? [e.decision] : []));
  const times = [...samples.map((s) => s.at), ...decisions.map((d) => d.at)];
  const from = Math.min(...times);
  const to = Math.max(...times) + Math.max(current.scaleToZeroAfterMs, whatIf.scaleToZeroAfterMs) + 2 * tickMs;
  const initial = decisions[0]?.given ?? initialScalerState(current.min);
  const modelled = (spec: AutoscalerSpec) => replay(samples, spec, initial, { tickMs, from, to, moments: decisions.map((d) => d.at) });
  const made = replayRecorded(history);
  const now: Timeline = made.length > 0 ? made : modelled(current);
  const alt = modelled(whatIf);

  // Average concurrency over the tick: samples hold each second's share, summed across gateways.
  const loadAt = (at: number) => samples.filter((s) => s.at > at - tickMs && s.at <= at).reduce((sum, s) => sum + s.concurrency, 0) / (tickMs / 1000);
  const rows = sideBySide(now, alt, initial.replicas).map((r) => [
    `+${((r.at - from) / 1000).toFixed(0)}s`,
    loadAt(r.at).toFixed(1),
    String(r.now),
    String(r.whatIf),
    r.why,
  ]);
  const changed = Object.entries(whatIf)
    .filter(([k, v]) => current[k as keyof AutoscalerSpec] !== v)
    .map(([k, v]) => `${k} ${String(current[k as keyof AutoscalerSpec])} → ${String(v)}`);
  return [
    `replaying ${samples.length} recorded samples of ${options.namespace}/${options.name} (tide.metrics ${recorded.from}..${recorded.to})`,
    made.length > 0
      ? `now: the ${made.length} recorded decisions made again (${reproduced(made, fn)}); what-if: at those moments and every ${tickMs / 1000}s, pods ready at once`
      : `now and what-if: no decisions recorded in this range, both modelled every ${tickMs / 1000}s with pods ready at once`,
    `what-if: ${changed.length ? changed.join(', ') : 'no setting changed'}`,
    '',
    table(['TIME', 'LOAD', 'NOW', 'WHAT-IF', 'WHY (WHAT-IF)'], rows),
    '',
    table(['', 'PEAK', 'POD-SECONDS', 'CHANGES'], [summaryRow('now', now, to), summaryRow('what-if', alt, to)]),
  ].join('\n');
}

/** How many of the function's recent scale events the replayed decisions made, in order. */
function reproduced(made: readonly ReplayedDecision[], fn: TideFunction): string {
  const events = fn.status.recentScales.map((s) => `${s.from}→${s.to} ${s.reason}`);
  const replayed = made.filter((p) => p.changed).map((p) => `${p.from}→${p.replicas} ${p.reason}`);
  const matched = events.filter((e) => replayed.includes(e)).length;
  return `${matched} of the function's last ${events.length} scale events among them`;
}

function summaryRow(label: string, timeline: Timeline, end: number): string[] {
  const { peak, podSeconds, changes } = summarize(timeline, end);
  return [label, String(peak), podSeconds.toFixed(0), String(changes)];
}
