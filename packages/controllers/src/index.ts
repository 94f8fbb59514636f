export { planPods, type PodPlan } from './core/pod-plan.js';
export { startRevisionController, randomSuffix } from './revision-controller.js';
