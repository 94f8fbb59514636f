export * from './resources/meta.js';
export * from './resources/function.js';
export * from './resources/function-env.js';
export * from './resources/namespace.js';
export * from './resources/pod.js';
export * from './resources/pod-isolation.js';
export * from './resources/trigger.js';
export * from './resources/token.js';
export * from './resources/secret.js';
export { cronProblem, nextTick } from './cron/cron-schedule.js';
export { TideEvent, type TideEventInput, EventEnvelope, subjectOf, assertNever, type LoggedEvent, type TideEventType, type EventOf } from './events.js';
export { encodeEvent, decodeEvent, type DecodeResult } from './encoding.js';
export {
  initialState,
  accepted,
  rejected,
  emptyResourceMap,
  COLLECTIONS,
  type ClusterState,
  type FoldHalt,
  type Leadership,
  type Collection,
  type ResourceMap,
  type Verdict,
  type Rejection,
  type RejectionCode,
} from './state.js';
export { apply, skipInvalid, versionOf, type FoldResult } from './fold/apply.js';
export { judge } from './fold/judge.js';
export { revisionName } from './fold/functions.js';
export { whenFoldHalted } from './fold/when-halted.js';
export {
  RULE_BOOK,
  SUPPORTED_RULES_VERSION,
  highestVersion,
  rulesV1,
  WRITER_RIGHTS_SINCE,
  type RuleBook,
  type FoldRules,
  type EventHandler,
  type JudgedEventType,
} from './fold/rules.js';
export { canonicalJson } from './fold/context.js';
export { encodeSnapshot, decodeSnapshot, snapshotChunks, SnapshotFormatError } from './snapshot.js';
export { followTopic, isLogRewound, type FollowTopicOptions, type FollowableLog } from './store/follow-topic.js';
export {
  openStateStore,
  StateStreamResetError,
  STATE_TOPIC,
  type StateStore,
  type StateStoreOptions,
  type EventInput,
  type AppendResult,
  type StateListener,
} from './store/state-store.js';
export type { StateLog, SnapshotStorage, SnapshotBytes, TopicReader, LeaderStamp, Clock } from './store/ports.js';
export { systemClock } from './store/system-clock.js';
export { changedParts, subscribeToChanges, type StatePart } from './store/state-changes.js';
export { startReconcileLoop, type ReconcileLoop, type ReconcileLoopOptions } from './store/reconcile-loop.js';
export { createBatchGate, type BatchGate } from './store/batch-gate.js';
export { foldAhead } from './store/fold-ahead.js';
export type { BackoffPolicy } from './store/reconcile-backoff.js';
export { RECONCILE_REJECTED } from './store/telemetry.js';
export { startCausedSpan, type CausedSpan, type CausedSpanOptions } from './store/caused-span.js';
export {
  METRICS_TOPIC,
  encodeLoadReport,
  decodeLoadReport,
  encodeMetricsReport,
  decodeMetricsReport,
  type LoadReport,
  type CpuReport,
  type MetricsReport,
  type FunctionLoad,
  type FunctionCpu,
  type TriggerLag,
  type TriggerLagReport,
} from './metrics.js';
export {
  countLatency,
  latencyBucketOf,
  latencyQuantileMs,
  mergeLatencyBuckets,
  type LatencyBuckets,
} from './latency-buckets.js';
export { traceIdProblem } from './trace-id.js';
export { LOGS_TOPIC, encodePodLogBatch, decodePodLogBatch, type PodLogLine, type PodLogBatch } from './pod-logs.js';
export { LEASES_TOPIC, encodeLease, decodeLease, type NodeLease } from './leases.js';
export { usageOf, podQuotaViolation, functionQuotaViolation, type NamespaceUsage } from './quota.js';
export {
  KV_TOPIC,
  KV_MAX_VALUE_BYTES,
  KV_MAX_KEY_BYTES,
  KV_MAX_METADATA_BYTES,
  encodeKvRecord,
  decodeKvRecord,
  kvRecordKey,
  type KvRecord,
} from './kv/kv-record.js';
export { applyKvRecord, readKv, listKv, emptyKvView, KV_LIST_MAX, type KvView, type KvEntry, type KvListOptions, type KvListResult } from './kv/kv-view.js';
export { AsyncSpec, DEFAULT_ASYNC_SPEC, asyncRetryDelayMs } from './resources/async-policy.js';
export {
  INVOCATIONS_TOPIC,
  ASYNC_MAX_BODY_BYTES,
  encodeAsyncInvocation,
  decodeAsyncInvocation,
  callbackUrlProblem,
  type AsyncInvocation,
} from './activations/invocation-record.js';
export {
  ACTIVATIONS_TOPIC,
  ACTIVATION_MAX_BODY_BYTES,
  encodeActivationRecord,
  decodeActivationRecord,
  activationResultOf,
  isEnded,
  type ActivationRecord,
  type ActivationResult,
  type ActivationStatus,
} from './activations/activation-record.js';
export {
  ACTIVATIONS_KEPT_PER_NAMESPACE,
  ACTIVATION_MAX_AGE_MS,
  ACTIVATIONS_LIST_MAX,
  applyActivationRecord,
  emptyActivationView,
  readActivation,
  listActivations,
  type ActivationView,
  type ActivationBounds,
} from './activations/activation-view.js';
export { fullBucket, takeToken, type TokenBucket, type BucketRate, type TakeResult } from './limits/token-bucket.js';
export { rateOf, type RateKind } from './limits/namespace-rate.js';
export { bodyLimitsOf, checkBodySize, DEFAULT_BODY_LIMIT_BYTES, type BodyLimits, type BodyVerdict } from './limits/body-limits.js';
export { NamespaceLimiter, type RateDecision } from './limits/namespace-limiter.js';
export { FailureLimiter, DEFAULT_FAILURE_RATE } from './limits/failure-limiter.js';
export { type Principal, type WriterKind, writerOf, actorOf, parseWriter, WRITER_HEADER } from './auth/principal.js';
export { authenticate, type Authentication, type AuthenticationFailure } from './auth/authenticate.js';
export { authorize, seesNamespace, readsValues, VERBS, RESOURCES, type Verb, type Resource, type Access, type Decision } from './auth/authorize.js';
export { newTokenSecret, hashSecret, parseToken, secretMatches, type ParsedToken } from './auth/token-secret.js';
export { writerMay } from './fold/writer-rights.js';
export {
  seal,
  open as openSealed,
  sealContext,
  sealedBytes,
  secretKeyOf,
  SECRET_KEY_BYTES,
  type SecretKey,
  type SecretKeyring,
  type OpenResult,
} from './secrets/seal.js';
export { unmetSecretRefs, type SecretConsumer } from './secrets/unmet-secret-refs.js';
