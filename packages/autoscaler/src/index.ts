/**
 * @tide/autoscaler — the KPA/HPA decider (src/core: pure, plain data in and out, no clock, no I/O)
 * and startAutoscaler, the thin loop that feeds it from the metrics topic and writes ScaleSet events.
 *
 * A shell (the autoscaler loop) keeps, per function, a FunctionScaler (function-scaler.ts):
 *   - a MetricWindow, fed `absorb(scaler, sample, spec)` with the samples of every metrics report
 *     (`samplesOf(report)`; several gateways reporting the same second are summed). A sample may
 *     carry the requests the gateway holds `waiting` for a pod (and its `source`): decide() counts
 *     them as load at once, but only while that report is fresh (waitingAt), never a report before
 *     a restart;
 *   - the last decision's ScalerState, or `takeOverState(...)` for a decider new to the function
 *     (from the function's recorded scale decisions, not from when the autoscaler started).
 * A triggers process's lag report (`trigger-lag`) becomes a lag level per trigger in the window
 * (lag.ts): while fresh, decide() asks for at least min(ceil(lag / target), parallelism) pods,
 * wakes a function at zero and keeps it from idling, and its reason says when the lag decided.
 * On each report with load (as of the report's time) and every tick once it has read every report
 * (as of now) it calls `step(scaler, spec, stateFor(scaler, observed, takeOver), at)`, i.e.
 * `decide(spec, window, { ...state, replicas, readyPods }, at)`, and writes a ScaleSet event only
 * when `decision.changed`, with `decision.reason` and `decision.inputs`.
 *
 * The loop records each decision that changed anything on the metrics topic (DecisionRecord).
 * `replayRecorded(historyOf(records, namespace, name))` makes the recorded decisions again from
 * that topic, through the same steps (function-scaler.ts); `replay(samples, spec, initial,
 * { tickMs, from, to, podStartMs, moments })` models what other settings would have done, for
 * `tide autoscale replay`.
 */
export {
  addSample,
  averageConcurrency,
  averageCpuMilli,
  emptyWindow,
  InvalidSampleError,
  lastRequestAt,
  requestsPerSecond,
  waitingAt,
  type MetricBucket,
  type MetricWindow,
  type Sample,
} from './core/metric-window.js';
export {
  autoscalerDefaults,
  AutoscalerSpecError,
  windowKeepMs,
  withDefaults,
  type AutoscalerSpec,
  type AutoscalerSpecInput,
  type ScaleMetric,
} from './core/autoscaler-spec.js';
export { initialScalerState, type ScaleMode, type ScalerState } from './core/scaler-state.js';
export { takeOverState, type ScaleRecordView, type TakenOver } from './core/take-over.js';
export type { ScaleInputs } from './core/measure.js';
export { decide, type ScaleDecision } from './core/decide.js';
export { replay, ReplayRangeError, type ReplayOptions, type ReplayPoint } from './core/replay.js';
export { replayRecorded, type ReplayedDecision } from './core/replay-recorded.js';
export { historyOf, samplesOf, type HistoryEntry, type FunctionSample } from './core/history.js';
export type { DecisionRecord } from './core/decision-record.js';
export { startAutoscaler, autoscalerSpecOf, type Autoscaler, type AutoscalerOptions, type MetricsSource } from './autoscaler-loop.js';
