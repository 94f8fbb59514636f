import type { KvCallMessage } from './kv-protocol.js';
import type { QueueSendMessage } from './queue-protocol.js';
/**
 * How the node agent talks to a pod's runtime process.
 *
 * Configuration travels as ONE JSON argument (`node main.js '<RuntimeConfig JSON>'`), never in
 * environment variables: the process environment is exactly the function's env. Being in argv also
 * puts the pod name and start token into /proc/<pid>/cmdline, which is how an agent recognises its
 * own processes after a crash.
 *
 * Messages from runtime to agent travel over the IPC channel (see RuntimeMessage).
 */
export interface RuntimeConfig {
  /** Absolute path of the bundled function module (.mjs). */
  artifactPath: string;
  /** Per-request time limit: after it the caller gets 504. */
  timeoutMs: number;
  /** Interface to listen on; the port is always chosen by the OS. */
  host: string;
  /** Pod name; informational (logs, /proc/<pid>/cmdline). */
  pod?: string;
  /** Opaque token unique to this process start, so a reused pid is not mistaken for this pod. */
  startToken?: string;
  /** Report every traced call (sampled `traceparent`) to the agent, which records it as a span. */
  reportInvocations?: boolean;
  /** Names of the KV bindings in the function's env (`CACHE`); the agent answers their calls. */
  kvBindings?: string[];
  /** Names of the queue producer bindings in the function's env (`RESERVATIONS`); the agent publishes their messages. */
  queueBindings?: string[];
}

/**
 * One call the pod served for a traced request: the agent records it as the pod's invoke span (the
 * pod loads no OpenTelemetry SDK: that would cost every pod memory and every spawn its import time).
 */
export interface InvocationRecord {
  /** The caller's (the gateway's) W3C trace context, as received: the invoke span's parent. */
  traceparent: string;
  tracestate?: string;
  /** The invoke span's id, chosen by the runtime: the function saw it as its traceparent's parent-id. */
  spanId: string;
  /** `faas.invocation_id`: the call's `x-request-id`, or one the runtime made (the function's requestId). */
  invocationId: string;
  /** `faas.trigger`: http, or pubsub/timer for a call from a trigger (see faasTriggerOf). */
  trigger: 'http' | 'pubsub' | 'timer' | 'other';
  method: string;
  /** The path the function saw, without the query. */
  path: string;
  status: number;
  /** Epoch milliseconds (fractional) at which the request arrived and the response ended. */
  startMs: number;
  endMs: number;
  /** The first call this process served (a cold start's). */
  first: boolean;
  /** Spans the function made in this call and ended before its response did. */
  spans?: SpanRecord[];
  /** Spans of this call over its limit (count or size), not sent. */
  droppedSpans?: number;
}

/** An attribute value, as @opentelemetry/api allows one. */
export type SpanAttributeValue = string | number | boolean | (string | null | undefined)[] | (number | null | undefined)[] | (boolean | null | undefined)[];
export type SpanAttributes = Record<string, SpanAttributeValue>;

/**
 * A span a function made with @opentelemetry/api and ended, in a traced call: the node agent
 * records it with these ids (the runtime's tracer chose them; the function may have propagated them).
 */
export interface SpanRecord {
  name: string;
  /** @opentelemetry/api's SpanKind: 0 internal, 1 server, 2 client, 3 producer, 4 consumer. */
  kind: number;
  traceId: string;
  spanId: string;
  /** The invoke span, or another span of the function's. */
  parentSpanId: string;
  /** Epoch milliseconds (fractional). */
  startMs: number;
  endMs: number;
  attributes?: SpanAttributes;
  events?: { name: string; timeMs: number; attributes?: SpanAttributes }[];
  links?: { traceId: string; spanId: string; attributes?: SpanAttributes }[];
  /** Set only when not UNSET: 1 ok, 2 error. */
  status?: { code: 1 | 2; message?: string };
}

/** Spans a call's function ended after its response had ended (and its InvocationRecord was sent). */
export interface SpanBatch {
  spans: SpanRecord[];
  /** Of these late spans, how many were over the call's limit and not sent. */
  dropped?: number;
}

/** Runtime → agent over IPC. `pooled`: a pool process is warm and waits for its assign message. */
export type RuntimeMessage =
  /** importMs: how long importing the function's module took (its top level included), for the pod's start span. */
  | { type: 'ready'; port: number; importMs?: number }
  | { type: 'failed'; reason: string }
  | { type: 'pooled' }
  | ({ type: 'invocation' } & InvocationRecord)
  | ({ type: 'spans' } & SpanBatch)
  | KvCallMessage
  | QueueSendMessage;

export class RuntimeConfigError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(`invalid runtime config: ${field}: ${message}`);
    this.name = 'RuntimeConfigError';
  }
}

/**
 * Parses the JSON argument of a pod process. Validated by hand rather than with zod on purpose: this
 * runs on every pod start, where each imported module costs cold-start milliseconds.
 */
export function parseRuntimeConfig(json: string | undefined): RuntimeConfig {
  return toRuntimeConfig(parseConfigObject(json));
}

/** argv[2] as a JSON object. */
export function parseConfigObject(json: string | undefined): Record<string, unknown> {
  if (json === undefined) throw new RuntimeConfigError('missing (pass the config JSON as the first argument)', 'argv[2]');
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new RuntimeConfigError(`not JSON (${(error as Error).message})`, 'argv[2]');
  }
  if (typeof raw !== 'object' || raw === null) throw new RuntimeConfigError('must be an object', 'argv[2]');
  return raw as Record<string, unknown>;
}

export function toRuntimeConfig(value: Record<string, unknown>): RuntimeConfig {
  const artifactPath = value.artifactPath;
  if (typeof artifactPath !== 'string' || artifactPath === '') throw new RuntimeConfigError('must be a non-empty string', 'artifactPath');
  const timeoutMs = value.timeoutMs;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new RuntimeConfigError('must be a positive number', 'timeoutMs');
  }
  const host = value.host ?? '127.0.0.1';
  if (typeof host !== 'string') throw new RuntimeConfigError('must be a string', 'host');
  const config: RuntimeConfig = { artifactPath, timeoutMs, host };
  if (typeof value.pod === 'string') config.pod = value.pod;
  if (typeof value.startToken === 'string') config.startToken = value.startToken;
  if (value.reportInvocations === true) config.reportInvocations = true;
  const kvBindings = parseKvBindings(value.kvBindings, 'kvBindings');
  if (kvBindings) config.kvBindings = kvBindings;
  const queueBindings = parseKvBindings(value.queueBindings, 'queueBindings');
  if (queueBindings) config.queueBindings = queueBindings;
  return config;
}

/** The binding names of a pod's KV namespaces (or queue producers), each a variable name (as spec.bindings checks). */
export function parseKvBindings(raw: unknown, field: string): string[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw) || !raw.every((name) => typeof name === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(name))) {
    throw new RuntimeConfigError('must be an array of variable names', field);
  }
  return raw.length ? (raw as string[]) : undefined;
}
