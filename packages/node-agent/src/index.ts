export {
  openNodeAgent,
  DEFAULT_WARM_POOL,
  WARM_POOL_LOG_NAME,
  NODE_AGENT_LOG_NAME,
  type NodeAgent,
  type NodeAgentOptions,
  type WarmPoolSettings,
} from './node-agent.js';
export type { PodRunSpec, PodReport, PodPhase, ColdStart, ProbeSpec } from './pod-types.js';
export type { LogStream } from './adapters/log-capture.js';
export type { WarmPoolStatus } from './adapters/warm-pool.js';
export type { Clock } from './clock.js';
export { planPods, type PodPlan, type PodAction, type ObservedPod, type ObservedPhase } from './core/plan-pods.js';
export { DEFAULT_BACKOFF, planRestart, restartDelayMs, type BackoffPolicy } from './core/restart-backoff.js';
export { describeExit, type PodExit } from './core/exit-reason.js';
export { tallyProbe, nextProbeAt, type ProbeOutcome, type ProbeTally, type ProbeChange } from './core/probe-tally.js';
export {
  auditNode,
  type AuditView,
  type NodeAudit,
  type DriftRepair,
  type DirRef,
  type DirView,
  type RecordedPid,
  type TrackedRuntime,
  type StraySignal,
} from './core/audit.js';
export { STRAY_GRACE_MS } from './drift-audit.js';
export { buildPodEnv } from './core/pod-env.js';
export { chooseColdStart, STARTUP_ONLY_ENV, type ColdStartChoice, type SpawnReason, type WarmPoolView } from './core/cold-start.js';
export { planPoolRefill, planPoolRespawn, type PoolRefillView, type PoolRefillPlan, type PoolRespawnPlan } from './core/pool-refill.js';
export { startNodeLoop, desiredPodsOf, agentPodName, clusterPodName, type NodeLoop, type NodeLoopOptions } from './node-loop.js';
export { createArtifactCache, DEFAULT_ARTIFACT_CACHE_BYTES, type ArtifactCache, type ArtifactCacheOptions } from './artifact-cache.js';
export { startNode, type NodeProcessOptions, type RunningNode } from './start-node.js';
export { nodeCredential, NODE_TOKEN_FILE, type NodeCredentialOptions } from './node-credential.js';
export { defaultNodeCapacity } from './node-capacity.js';
export { SandboxUnavailableError, type SandboxMode, type SandboxSetting } from './adapters/pod-sandbox.js';
export { podPidsMax } from './adapters/pod-limits.js';
