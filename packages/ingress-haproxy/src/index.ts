export { startHaproxyIngress, type HaproxyIngressOptions, type RunningHaproxyIngress } from './start-haproxy-ingress.js';
export { findHaproxy, HAPROXY_MISSING } from './haproxy-process.js';
export type { IngressModel, IngressBackend, IngressServer } from './core/ingress-model.js';
