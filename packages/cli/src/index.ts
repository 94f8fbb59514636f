export { up, type UpOptions, type RunningTide } from './commands/up.js';
export { deploy, waitForReadyPod } from './commands/deploy.js';
export { createApiClient, CliError, type ApiClient } from './api-client.js';
export { bundleFunction, locateFunction } from './bundle.js';
