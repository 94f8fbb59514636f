import type { AutoscalerSpec } from './autoscaler-spec.js';
import { idleness, type Idleness } from './idleness.js';
import { measure, type Measured, type ScaleInputs } from './measure.js';
import type { LagDemand } from './lag.js';
import { lagAt, waitingAt, type MetricWindow } from './metric-window.js';
import { panicStep, type PanicStep } from './panic.js';
import { explain } from './reason.js';
import type { ScaleMode, ScalerState } from './scaler-state.js';

export interface ScaleDecision {
  readonly replicas: number;
  readonly changed: boolean;
  /** One line for people (`tide describe function`): what was measured and why this many. */
  readonly reason: string;
  readonly mode: ScaleMode;
  readonly inputs: ScaleInputs;
  /** Pass this to the next decide(), with readyPods refreshed. */
  readonly state: ScalerState;
}

/**
 * Knative KPA (or, for metric 'cpu', HPA) in one pure step: how many replicas `spec`'s function
 * should have at `now`, given its metric window and the decider's last state. Requests waiting
 * for a pod count as load at once, but only as the window knows them at `now`: a waiting count
 * from a report long gone (before a restart, say) is history, not demand.
 *
 * Beside the load, its triggers' consumer lag (KEDA-style): at least min(ceil(lag / target),
 * parallelism) replicas while lag is reported, `target` read as records per replica; a function
 * at zero wakes on any lag, and one with lag is never idle.
 */
export function decide(spec: AutoscalerSpec, window: MetricWindow, state: ScalerState, now: number): ScaleDecision {
  const waiting = waitingAt(window, now);
  const lag = lagAt(window, spec.target, now);
  const measured = measure(spec, window, state, waiting, now);
  const inputs = lag.lag > 0 ? { ...measured.inputs, lag: lag.lag, desiredLag: lag.pods } : measured.inputs;
  // A state with pods but no activeSince has just been taken over: its grace period starts now.
  const activeSince = state.replicas > 0 ? (state.activeSince ?? now) : undefined;
  const idle = idleness(spec, window, activeSince, waiting, now, lag.lag > 0);
  if (spec.min === 0 && idle.idle) {
    const reason = explain({ spec, state, measured, idle, situation: 'idle', replicas: 0, now });
    return conclude(state, 0, { mode: 'stable', event: 'none' }, inputs, reason, now, undefined);
  }
  const panic = panicStep(spec, state, measured.inputs.desiredPanic, now);
  const replicas = replicasFor(spec, state, measured, panic, idle, lag);
  const situation = state.replicas === 0 && replicas > 0 ? 'fromZero' : 'scaling';
  const reason = explain({ spec, state, measured, idle, panic, situation, replicas, now, lag });
  return conclude(state, replicas, panic, inputs, reason, now, activeSince);
}

/**
 * The demand of the current mode, then the floors (from zero; one pod until idle) and the bounds.
 * Max is applied last: it wins over everything.
 */
function replicasFor(spec: AutoscalerSpec, state: ScalerState, { inputs }: Measured, panic: PanicStep, idle: Idleness, lag: LagDemand): number {
  const { desiredStable, desiredPanic } = inputs;
  let pods = panic.mode === 'panic' ? Math.max(desiredStable, desiredPanic, panic.floor ?? 0) : desiredStable;
  // From zero, a request waiting at the activator is answered now, not after the stable window.
  if (state.replicas === 0) pods = Math.max(pods, desiredPanic);
  // Lag is a signal beside the load: the larger asks (KEDA feeds both to one HPA, which takes the max).
  pods = Math.max(pods, lag.pods);
  if (!idle.idle) pods = Math.max(pods, 1);
  return Math.min(spec.max, Math.max(spec.min, pods));
}

function conclude(
  state: ScalerState,
  replicas: number,
  panic: PanicStep,
  inputs: ScaleInputs,
  reason: string,
  now: number,
  activeSince: number | undefined,
): ScaleDecision {
  const changed = replicas !== state.replicas;
  const lastScaleAt = changed ? now : state.lastScaleAt;
  const since = replicas === 0 ? undefined : state.replicas === 0 ? now : activeSince;
  const next: ScalerState = {
    replicas,
    readyPods: state.readyPods,
    mode: panic.mode,
    ...(panic.mode === 'panic' ? { panicSince: panic.panicSince ?? now, maxPanicPods: Math.max(replicas, panic.floor ?? 0) } : {}),
    ...(lastScaleAt === undefined ? {} : { lastScaleAt }),
    ...(since === undefined ? {} : { activeSince: since }),
  };
  return { replicas, changed, reason, mode: panic.mode, inputs, state: next };
}
