export { planPods, wantedByRevision, type PodPlan } from './core/pod-plan.js';
export { startRevisionController, randomSuffix } from './revision-controller.js';
