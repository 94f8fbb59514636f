export { StartupError } from './startup-error.js';
export { describeLogSource, type LogSource } from './log-source.js';
export { logReachable, SECONDS_BUCKETS, type ClusterLog } from './cluster-log.js';
export { componentState, openProcessState, type ComponentLog, type ProcessState, type ProcessStateOptions } from './process-state.js';
export { listen, urlOf, type RequestHandler } from './listen.js';
export { HEADER_LIMITS } from './header-limits.js';
export { componentLogs, formatLogEntry, logEntryOf, parseLogFormat, type LogEntry, type LogFormat, type Report } from './component-log.js';
export { closeServer, serveProbes } from './probe-server.js';
