export { serveFunction, PROBE_HEADER, type ServeOptions, type ServedFunction } from './serve-function.js';
export {
  resolveHandlers,
  FunctionModuleError,
  NO_HANDLER_MESSAGE,
  type FetchHandler,
  type FunctionContext,
  type FunctionEnv,
  type FunctionHandlers,
  type FunctionModule,
  type QueueHandler,
  type ScheduledHandler,
} from './function-handler.js';
export { INVOKE_HEADER } from './event-invocation.js';
export type { BatchOutcome, MessageBatch, QueueEvent, QueueMessage, ScheduledController, ScheduledEvent } from './function-events.js';
export { FunctionTimeoutError } from './invoke-function.js';
export {
  parseRuntimeConfig,
  RuntimeConfigError,
  type RuntimeConfig,
  type RuntimeMessage,
  type InvocationRecord,
  type SpanBatch,
  type SpanRecord,
} from './runtime-config.js';
export { parseLaunchConfig, isPoolConfig } from './launch-config.js';
export { parseAssignMessage, type PoolConfig, type AssignMessage } from './pool-protocol.js';
export { parseRecycleNotice } from './recycle-notice.js';
export { readTraceMark } from './trace-mark.js';
export { createKvNamespace, KvError, type KvCall } from './kv-namespace.js';
export { isKvReply, type KvCallMessage, type KvReplyMessage, type KvOperation, type KvStored, type KvListed } from './kv-protocol.js';
export { createQueueProducer, QueueError, type QueueSend, type QueueSendOptions, type QueueContentType, type MessageSendRequest } from './queue-producer.js';
export { isQueueReply, type QueueSendMessage, type QueueReplyMessage, type QueueOutgoing } from './queue-protocol.js';
