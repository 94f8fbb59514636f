export { serveFunction, PROBE_HEADER, type ServeOptions, type ServedFunction } from './serve-function.js';
export { resolveHandler, FunctionModuleError, type FetchHandler, type FunctionContext, type FunctionModule } from './function-handler.js';
export { FunctionTimeoutError } from './invoke-function.js';
export { parseRuntimeConfig, RuntimeConfigError, type RuntimeConfig, type RuntimeMessage, type InvocationRecord } from './runtime-config.js';
export { parseLaunchConfig, isPoolConfig } from './launch-config.js';
export { parseAssignMessage, type PoolConfig, type AssignMessage } from './pool-protocol.js';
export { parseRecycleNotice } from './recycle-notice.js';
