export { openNodeAgent, type NodeAgent, type NodeAgentOptions } from './node-agent.js';
export type { PodRunSpec, PodReport, PodPhase } from './pod-types.js';
export type { LogStream } from './adapters/log-capture.js';
export type { Clock } from './clock.js';
export { planPods, type PodPlan, type PodAction, type ObservedPod, type ObservedPhase } from './core/plan-pods.js';
export { DEFAULT_BACKOFF, planRestart, restartDelayMs, type BackoffPolicy } from './core/restart-backoff.js';
export { describeExit, type PodExit } from './core/exit-reason.js';
export { buildPodEnv } from './core/pod-env.js';
export { startNodeLoop, desiredPodsOf, agentPodName, type NodeLoop, type NodeLoopOptions } from './node-loop.js';
