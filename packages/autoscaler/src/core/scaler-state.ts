export type ScaleMode = 'stable' | 'panic';

/**
 * What the decider remembers between decisions. Knative keeps this in a struct behind the
 * autoscaler; here the shell passes it in and stores the `state` of each decision for the next.
 */
export interface ScalerState {
  /** Current desired replicas (the last decision). */
  readonly replicas: number;
  /** Ready pods as observed by the shell; it overwrites this before each decision. */
  readonly readyPods: number;
  readonly mode: ScaleMode;
  /** When the panic threshold was last crossed; panic ends a stable window after it. */
  readonly panicSince?: number;
  /** The most pods asked for during this panic: panic never scales below it. */
  readonly maxPanicPods?: number;
  /** When replicas last changed. */
  readonly lastScaleAt?: number;
  /** When the function last went from zero to some pods (or was first seen with pods). */
  readonly activeSince?: number;
}

/**
 * A decider's state for a function it has not decided on before (first start, a restart, a new
 * leader). `activeSince` is when its pods came up from zero, if recorded: without it the pods get
 * a full idle period from the first decision, so a restart must pass it to keep idleness measured
 * from real events rather than from the moment the autoscaler started.
 */
export function initialScalerState(replicas: number, readyPods = replicas, activeSince?: number): ScalerState {
  return { replicas, readyPods, mode: 'stable', ...(activeSince === undefined ? {} : { activeSince }) };
}
