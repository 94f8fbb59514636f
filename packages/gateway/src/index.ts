export type { FunctionRoute, PodEndpoint, RouteTable } from './route-table.js';
export { createGateway } from './gateway.js';
export type { Gateway, GatewayOptions, GatewayStats } from './gateway.js';
export { isDns1123Label } from './core/parse-invocation-path.js';
export { createStateRouteTable, routesOf } from './state-routes.js';
export { startLoadReporter, type LoadReporter, type MetricsLog } from './load-reporter.js';
export type { LoadSample } from './gateway.js';
export { startGateway, type GatewayProcessOptions, type RunningGateway } from './start-gateway.js';
