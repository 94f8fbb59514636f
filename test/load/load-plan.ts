import type { LoadPhase } from './scenario.js';

/** Callers per function `elapsedMs` into a phase: its count, or a linear ramp rounded to whole callers. */
export function callersAt(phase: LoadPhase, elapsedMs: number): number {
  if (phase.rampToCallers === undefined || phase.durationMs <= 0) return phase.callers;
  const share = Math.min(1, Math.max(0, elapsedMs / phase.durationMs));
  return Math.round(phase.callers + (phase.rampToCallers - phase.callers) * share);
}

/** The most callers per function any phase asks for: the driver starts that many per function. */
export function peakCallers(phases: readonly LoadPhase[]): number {
  return Math.max(0, ...phases.map((p) => Math.max(p.callers, p.rampToCallers ?? 0)));
}

/** A change of load: a phase whose callers differ from where the previous one ended (0 before the first). */
export interface LoadStep {
  phase: number;
  label: string;
  atMs: number;
  fromCallers: number;
  toCallers: number;
}

/** The load steps of a run, given when each phase actually started (ms since the run's start). */
export function loadSteps(phases: readonly LoadPhase[], startsMs: readonly number[]): LoadStep[] {
  const steps: LoadStep[] = [];
  let previous = 0;
  phases.forEach((phase, i) => {
    const atMs = startsMs[i];
    if (atMs === undefined) return;
    const toCallers = phase.rampToCallers ?? phase.callers;
    if (toCallers !== previous || phase.callers !== previous) steps.push({ phase: i, label: phase.label, atMs, fromCallers: previous, toCallers });
    previous = toCallers;
  });
  return steps;
}

/** Callers per function over the run as [ms, callers] points (a step line, 0 from `endMs`), every `stepMs` in ramps. */
export function callerSeries(phases: readonly LoadPhase[], startsMs: readonly number[], endMs: number, stepMs = 250): [number, number][] {
  const points: [number, number][] = [];
  phases.forEach((phase, i) => {
    const start = startsMs[i];
    if (start === undefined) return;
    const end = startsMs[i + 1] ?? endMs;
    // A flat phase is one point; a ramp one point per `stepMs` (at least 1 ms, so the loop ends).
    const every = phase.rampToCallers === undefined ? Math.max(1, end - start) : Math.max(1, stepMs);
    for (let t = start; t < end; t += every) points.push([t, callersAt(phase, t - start)]);
  });
  // The driver stops every caller at the end: the line drops to 0 there.
  if (points.length > 0) points.push([endMs, 0]);
  return points;
}
