export type { AppendRecord, EventLog, LogRecord, ReadOptions } from './event-log.js';
export { openEmbeddedLog, type EmbeddedLog, type EmbeddedLogOptions, type EmbeddedLogStats } from './embedded-log.js';
export type { LogWarning } from './topic-recovery.js';
export { repairLog, type LogRepair } from './repair-log.js';
export {
  InvalidRecordError,
  InvalidTopicError,
  LogClosedError,
  LogCorruptionError,
  LogLockedError,
  LogReadOnlyError,
  LogRewoundError,
  LogWriteError,
} from './errors.js';
export { crc32c } from './crc32c.js';
export { lostRecord } from './lost-record.js';
export { benchAppend, benchRead, type AppendBench, type AppendBenchOptions, type ReadBench } from './bench.js';
export { openSnapshotFiles, type SnapshotFiles } from './snapshot-files.js';
export { openHttpLog, HttpLogError } from './http-log.js';
export { benchAcceptedToApplied, type AcceptedToAppliedBench, type AcceptedToAppliedOptions, type BenchStateStore } from './accepted-bench.js';
