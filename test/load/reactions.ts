import type { LoadStep } from './load-plan.js';
import type { ReplicaSample } from './pod-sampler.js';
import type { ScaleEvent } from './scale-events.js';

/** How one function answered one load step; times are ms after the step. */
export interface StepReaction {
  step: number;
  fn: number;
  /** The first accepted ScaleSet for the function after the step (before the next step). */
  firstScale?: { afterMs: number; from: number; to: number; reason: string };
  /** The first poll where ready pods moved the step's way (up for more callers, down for fewer). */
  readyChange?: { afterMs: number; from: number; to: number };
  /** For a step to 0 callers: the first poll where the function had no pods at all. */
  zeroPods?: { afterMs: number };
}

/** Reactions of every function to every step (pure: reads the recorded samples and events). */
export function stepReactions(steps: readonly LoadStep[], samples: readonly ReplicaSample[], events: readonly ScaleEvent[], functions: number): StepReaction[] {
  const reactions: StepReaction[] = [];
  steps.forEach((step, i) => {
    const until = steps[i + 1]?.atMs ?? Number.POSITIVE_INFINITY;
    for (let fn = 0; fn < functions; fn++) reactions.push(reactionTo(step, i, fn, until, samples, events));
  });
  return reactions;
}

function reactionTo(step: LoadStep, index: number, fn: number, until: number, samples: readonly ReplicaSample[], events: readonly ScaleEvent[]): StepReaction {
  const reaction: StepReaction = { step: index, fn };
  const inWindow = (atMs: number) => atMs >= step.atMs && atMs < until;
  const scale = events.find((e) => e.fn === fn && e.accepted && inWindow(e.atMs));
  if (scale) reaction.firstScale = { afterMs: scale.atMs - step.atMs, from: scale.from, to: scale.to, reason: scale.reason };

  const before = readyAt(samples, fn, step.atMs);
  const direction = Math.sign(step.toCallers - step.fromCallers);
  const after = samples.filter((s) => inWindow(s.atMs));
  const moved = after.find((s) => direction !== 0 && Math.sign((s.ready[fn] ?? 0) - before) === direction);
  if (moved) reaction.readyChange = { afterMs: moved.atMs - step.atMs, from: before, to: moved.ready[fn] ?? 0 };
  if (step.toCallers === 0) {
    const empty = after.find((s) => s.pods[fn] === 0);
    if (empty) reaction.zeroPods = { afterMs: empty.atMs - step.atMs };
  }
  return reaction;
}

/** Ready pods of `fn` as last seen at or before `atMs` (the first poll's, if none was that early). */
export function readyAt(samples: readonly ReplicaSample[], fn: number, atMs: number): number {
  let seen = samples[0]?.ready[fn] ?? 0;
  for (const s of samples) {
    if (s.atMs > atMs) break;
    seen = s.ready[fn] ?? 0;
  }
  return seen;
}
