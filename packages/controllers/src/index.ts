export { planPods, wantedByRevision, type PodPlan } from './core/pod-plan.js';
export { startRevisionController, randomSuffix, podChangeEvents } from './revision-controller.js';
export { readinessChanges, type LastSeen, type ReadinessChange } from './core/node-health.js';
export { startNodeLifecycle, type LeaseSource } from './node-lifecycle.js';
export { startLeaderElection, type LeaderElection } from './leader-election.js';
export type { RulesRaiseDecision } from './core/rules-raise.js';
