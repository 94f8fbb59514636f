export { openKafkaLog, type KafkaLog, type KafkaLogOptions, type KafkaLogStats, type KafkaSecurity } from './kafka-log.js';
export { KafkaLogError, KafkaLogClosedError, KafkaInternalsError, KafkaUnreachableError } from './errors.js';
export type { SendLimits } from './send-batch.js';
export type { Connectivity, ConnectivityChange } from './connectivity.js';
export {
  benchKafkaAppends,
  benchAcceptedToApplied,
  type KafkaAppendBench,
  type KafkaAppendBenchOptions,
  type KafkaAppendRun,
  type AcceptedToAppliedBench,
  type AcceptedToAppliedOptions,
  type BenchStateStore,
  type BenchCommand,
  type Percentiles,
} from './bench.js';
