import type { AutoscalerSpec } from './autoscaler-spec.js';
import type { Idleness } from './idleness.js';
import type { LagDemand } from './lag.js';
import { capacityPerPod, type Measured } from './measure.js';
import type { PanicStep } from './panic.js';
import type { ScalerState } from './scaler-state.js';

export interface ReasonContext {
  readonly spec: AutoscalerSpec;
  readonly state: ScalerState;
  readonly measured: Measured;
  readonly idle: Idleness;
  readonly panic?: PanicStep;
  readonly situation: 'idle' | 'fromZero' | 'scaling';
  /** The decision. */
  readonly replicas: number;
  readonly now: number;
  /** What the triggers' lag asked for, when it was weighed. */
  readonly lag?: LagDemand;
}

/**
 * One short line for `tide describe function`: what was measured and the pods it asks for, then,
 * if the decision differs, the one limit that made it differ (rate limit, min, max, idle rule).
 */
export function explain(ctx: ReasonContext): string {
  if (ctx.situation === 'idle') return idleLine(ctx);
  const demand = demandOf(ctx);
  // The lag decided when it asked for at least what the load did.
  if (ctx.lag && ctx.lag.pods > 0 && ctx.lag.pods >= demand.raw) {
    const note = bindingNote(ctx, { raw: ctx.lag.pods, limited: ctx.lag.pods });
    return note === undefined ? lagLine(ctx, ctx.lag) : `${lagLine(ctx, ctx.lag)}; ${note}`;
  }
  const note = bindingNote(ctx, demand);
  return note === undefined ? headline(ctx, demand.raw) : `${headline(ctx, demand.raw)}; ${note}`;
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(1))}s`;
const pods = (n: number) => (n === 1 ? '1 pod' : `${n} pods`);
const num = (n: number) => n.toFixed(1);

function idleLine({ spec, state, idle }: ReasonContext): string {
  const quiet = Number.isFinite(idle.idleMs) ? `no request for ${seconds(idle.idleMs)}` : 'no request seen';
  return state.replicas === 0 ? `idle: ${quiet}` : `idle: ${quiet} → scale to zero${spec.min === 0 ? '' : ` (min ${spec.min})`}`;
}

/** Pods the mode asked for before (`raw`) and after (`limited`) the rate limits. */
function demandOf({ measured, panic, situation }: ReasonContext): { raw: number; limited: number } {
  const { rawStable, rawPanic, inputs } = measured;
  if (panic?.mode === 'panic') {
    const floor = panic.floor ?? 0;
    return { raw: Math.max(rawStable, rawPanic, floor), limited: Math.max(inputs.desiredStable, inputs.desiredPanic, floor) };
  }
  if (situation === 'fromZero') return { raw: Math.max(1, rawStable, rawPanic), limited: Math.max(1, inputs.desiredStable, inputs.desiredPanic) };
  return { raw: rawStable, limited: inputs.desiredStable };
}

/** Why the decision is not what the load asked for; bounds first, as they always hold. */
function bindingNote({ spec, replicas, idle, state }: ReasonContext, { raw, limited }: { raw: number; limited: number }): string | undefined {
  if (replicas === raw) return undefined;
  if (replicas < raw) {
    if (replicas === spec.max && raw > spec.max) return `capped at max ${spec.max}`;
    return `scale-up limited to ×${spec.maxScaleUpRate} of ${pods(Math.max(state.readyPods, 1))} → ${limited}`;
  }
  if (replicas === spec.min && raw < spec.min) return `raised to min ${spec.min}`;
  if (replicas === 1 && !idle.idle) {
    const since = Number.isFinite(idle.idleMs) ? `${seconds(idle.idleMs)} since the last request or start` : 'just started';
    return `kept 1 pod until ${seconds(spec.scaleToZeroAfterMs)} idle (${since})`;
  }
  return `scale-down limited to ÷${spec.maxScaleDownRate} of ${state.readyPods} ready → ${limited}`;
}

/** "6s avg concurrency 48.0 + 5 waiting" / "60s avg 12.0 req/s". */
function load(spec: AutoscalerSpec, spanMs: number, measured: Measured, withWaiting: boolean): string {
  const { inputs } = measured;
  const panicSpan = spanMs === spec.panicWindowMs;
  const waiting = withWaiting && inputs.waiting > 0 ? ` + ${inputs.waiting} waiting` : '';
  if (spec.metric === 'rps') return `${seconds(spanMs)} avg ${num(panicSpan ? inputs.panicRps : inputs.stableRps)} req/s${waiting}`;
  return `${seconds(spanMs)} avg concurrency ${num(panicSpan ? inputs.panicConcurrency : inputs.stableConcurrency)}${waiting}`;
}

/** "lag 340 on trigger orders (4 in parallel) / 10 per pod → 4 pods"; "from zero: " when it woke the function. */
function lagLine({ spec, situation }: ReasonContext, lag: LagDemand): string {
  const where = lag.triggers === 1 ? `trigger ${lag.trigger}` : `${lag.triggers} triggers (most on ${lag.trigger})`;
  const byLag = Math.ceil(lag.lag / spec.target);
  const bound = byLag > lag.parallelism ? `, at most ${lag.parallelism} in parallel` : '';
  return `${situation === 'fromZero' ? 'from zero: ' : ''}lag ${lag.lag} on ${where} / ${spec.target} per pod${bound} → ${pods(lag.pods)}`;
}

function headline(ctx: ReasonContext, raw: number): string {
  const { spec, measured, panic, state } = ctx;
  const cap = num(capacityPerPod(spec));
  if (ctx.situation === 'fromZero') {
    if (spec.metric === 'cpu') return `from zero: ${measured.inputs.waiting} waiting, ${num(measured.inputs.panicRps)} req/s → 1 pod`;
    return `from zero: ${load(spec, spec.panicWindowMs, measured, true)} / ${cap} per pod → ${pods(raw)}`;
  }
  if (panic?.event === 'entered' || panic?.event === 'extended') {
    const capacity = `${spec.panicThreshold}× capacity of ${pods(Math.max(state.readyPods, 1))} (${cap} each)`;
    return `panic: ${load(spec, spec.panicWindowMs, measured, true)} ≥ ${capacity} → ${pods(raw)}`;
  }
  if (panic?.event === 'holding') {
    const ago = seconds(ctx.now - (panic.panicSince ?? ctx.now));
    return `panic: holding ${pods(raw)} until ${seconds(spec.stableWindowMs)} after the last spike (${ago} ago); ${load(spec, spec.panicWindowMs, measured, true)}`;
  }
  const prefix = panic?.event === 'ended' ? `panic over (${seconds(spec.stableWindowMs)} without a spike); ` : '';
  return prefix + stableLine(ctx, raw);
}

function stableLine({ spec, measured, state }: ReasonContext, raw: number): string {
  const { cpuMilliPerPod } = measured.inputs;
  if (spec.metric !== 'cpu') return `stable: ${load(spec, spec.stableWindowMs, measured, false)} / ${num(capacityPerPod(spec))} per pod → ${pods(raw)}`;
  if (cpuMilliPerPod === undefined || state.readyPods === 0) {
    return `cpu: nothing measured in ${seconds(spec.stableWindowMs)} (${state.readyPods} ready), holding ${pods(state.replicas)}`;
  }
  const target = `${Math.round(capacityPerPod(spec))}m target (${spec.cpuTargetPercent}% of ${spec.cpuPerPodMilli}m)`;
  return `cpu: ${seconds(spec.stableWindowMs)} avg ${Math.round(cpuMilliPerPod)}m per pod × ${state.readyPods} ready / ${target} → ${pods(raw)}`;
}
