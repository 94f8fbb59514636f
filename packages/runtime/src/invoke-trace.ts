/** A W3C trace context's `traceparent`, parsed. */
export interface Traceparent {
  traceId: string;
  /** The span the sender names as the parent of what it calls. */
  spanId: string;
  flags: number;
}

/** How a call's trace continues in the pod: the invoke span (sampled) or the caller's span (not). */
export type InvokeTrace =
  /** Sampled: the pod's invoke span `spanId` is the parent of what the function does; it sees `traceparent`. */
  | { sampled: true; caller: Traceparent; spanId: string; traceparent: string }
  /** Not sampled: no span; the function sees the caller's `traceparent` unchanged. */
  | { sampled: false; caller: Traceparent; traceparent: string };

const HEX = /^[0-9a-f]+$/;
const ZERO = /^0+$/;

/**
 * Parses a W3C traceparent (`00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`). A later version
 * may append fields after a dash, which are ignored; version ff, upper case and all-zero ids are
 * invalid, as the W3C spec says.
 */
export function parseTraceparent(value: string | undefined): Traceparent | undefined {
  if (value === undefined || value.length < 55) return undefined;
  const version = value.slice(0, 2);
  if (version === 'ff' || (version === '00' ? value.length !== 55 : value.length > 55 && value[55] !== '-')) return undefined;
  if (value[2] !== '-' || value[35] !== '-' || value[52] !== '-') return undefined;
  const traceId = value.slice(3, 35);
  const spanId = value.slice(36, 52);
  const flags = value.slice(53, 55);
  if (!HEX.test(version + traceId + spanId + flags) || ZERO.test(traceId) || ZERO.test(spanId)) return undefined;
  return { traceId, spanId, flags: parseInt(flags, 16) };
}

export function formatTraceparent(context: Traceparent): string {
  return `00-${context.traceId}-${context.spanId}-${context.flags.toString(16).padStart(2, '0')}`;
}

/**
 * The trace a call carrying `traceparent` continues in the pod. `invokeSpanId` is the id chosen for
 * the pod's invoke span (random: an input here). Sampled and `recording` (the node agent records
 * the pod's spans): the function sees a traceparent naming the invoke span, so what it starts is a
 * child of invoke and not its sibling. Otherwise no span, and the caller's traceparent as it came.
 * No valid traceparent: undefined.
 */
export function invokeTraceOf(traceparent: string | undefined, newSpanId: () => string, recording: boolean): InvokeTrace | undefined {
  const caller = parseTraceparent(traceparent);
  if (caller === undefined || traceparent === undefined) return undefined;
  if (!recording || (caller.flags & 1) === 0) return { sampled: false, caller, traceparent };
  const spanId = newSpanId();
  return { sampled: true, caller, spanId, traceparent: formatTraceparent({ ...caller, spanId }) };
}

/** OpenTelemetry's `faas.trigger`: what made this call. */
export type FaasTrigger = 'http' | 'pubsub' | 'timer' | 'other';

/**
 * A call's trigger from the headers Tide's triggers set: `tide-invoke` (a module's queue() or
 * scheduled() handler) or a CloudEvent's `ce-type` (a Kafka record or a cron tick delivered over
 * HTTP, packages/triggers). Any other call is an HTTP request.
 */
export function faasTriggerOf(invoke: string | undefined, ceType: string | undefined): FaasTrigger {
  if (invoke === 'queue') return 'pubsub';
  if (invoke === 'scheduled') return 'timer';
  if (ceType === undefined) return 'http';
  if (ceType === 'dev.tide.cron.tick') return 'timer';
  if (ceType === 'dev.tide.kafka.record') return 'pubsub';
  return 'other';
}
