import type { TideFunction } from '@tide/core';
import { autoscalerSpecOf, AutoscalerSpecError, initialScalerState, replay, withDefaults, type AutoscalerSpec, type ReplayPoint, type Sample } from '@tide/autoscaler';
import { CliError, type ApiClient } from '../api-client.js';
import { table } from '../format.js';
import { functionPath } from '../paths.js';

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
  for (const term of text.split(',').map((t) => t.trim()).filter(Boolean)) {
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

interface RecordedLoad {
  offset: number;
  at: number;
  intervalMs: number;
  concurrency: number;
  requests: number;
}

/**
 * `tide autoscale replay <fn> [--from OFFSET] --set ...`: the recorded load of a function run through
 * the decider twice, with its settings and with the changed ones, side by side.
 */
export async function autoscaleReplay(api: ApiClient, options: { namespace: string; name: string; from?: number; set: string; tickMs?: number }): Promise<string> {
  const fn = await api.ok<TideFunction>('GET', functionPath(options.namespace, options.name));
  const recorded = await api.ok<{ from: number; to: number; samples: RecordedLoad[] }>(
    'GET',
    `${functionPath(options.namespace, options.name)}/metrics${options.from === undefined ? '' : `?from=${options.from}`}`,
  );
  if (recorded.samples.length === 0) return `no load recorded for ${options.namespace}/${options.name} in tide.metrics offsets ${recorded.from}..${recorded.to}: call it first`;
  const current = autoscalerSpecOf(fn);
  let whatIf: AutoscalerSpec;
  try {
    whatIf = withDefaults({ ...current, ...parseWhatIf(options.set) });
  } catch (error) {
    if (error instanceof AutoscalerSpecError) throw new CliError(`--set: ${error.message}`, 2);
    throw error;
  }
  const samples: Sample[] = recorded.samples.map((s) => ({ at: s.at, concurrency: s.concurrency * Math.min(1, s.intervalMs / 1000), requests: s.requests }));
  const tickMs = options.tickMs ?? 2000;
  const from = samples[0]!.at;
  const to = samples[samples.length - 1]!.at + Math.max(current.scaleToZeroAfterMs, whatIf.scaleToZeroAfterMs) + 2 * tickMs;
  const run = (spec: AutoscalerSpec) => replay(samples, spec, initialScalerState(spec.min), { tickMs, from, to });
  const now = run(current);
  const alt = run(whatIf);
  // Average concurrency over the tick: samples hold each second's share, summed across gateways.
  const loadAt = (at: number) => samples.filter((s) => s.at > at - tickMs && s.at <= at).reduce((sum, s) => sum + s.concurrency, 0) / (tickMs / 1000);
  const rows: string[][] = [];
  let previous = '';
  for (const [i, point] of now.entries()) {
    const other = alt[i]!;
    const key = `${point.replicas}/${other.replicas}`;
    if (key === previous && i !== now.length - 1) continue;
    previous = key;
    rows.push([`+${((point.at - from) / 1000).toFixed(0)}s`, loadAt(point.at).toFixed(1), String(point.replicas), String(other.replicas), other.reason]);
  }
  const changed = Object.entries(whatIf).filter(([k, v]) => current[k as keyof AutoscalerSpec] !== v).map(([k, v]) => `${k} ${String(current[k as keyof AutoscalerSpec])} → ${String(v)}`);
  return [
    `replaying ${samples.length} recorded samples of ${options.namespace}/${options.name} (tide.metrics ${recorded.from}..${recorded.to}), a decision every ${tickMs / 1000}s`,
    `what-if: ${changed.length ? changed.join(', ') : 'no setting changed'}`,
    '',
    table(['TIME', 'LOAD', 'NOW', 'WHAT-IF', 'WHY (WHAT-IF)'], rows),
    '',
    table(['', 'PEAK', 'POD-SECONDS', 'CHANGES'], [summary('now', now, tickMs), summary('what-if', alt, tickMs)]),
  ].join('\n');
}

function summary(label: string, points: readonly ReplayPoint[], tickMs: number): string[] {
  const peak = Math.max(...points.map((p) => p.replicas));
  const podSeconds = points.reduce((sum, p) => sum + (p.replicas * tickMs) / 1000, 0);
  const changes = points.filter((p, i) => i > 0 && p.replicas !== points[i - 1]!.replicas).length;
  return [label, String(peak), podSeconds.toFixed(0), String(changes)];
}
