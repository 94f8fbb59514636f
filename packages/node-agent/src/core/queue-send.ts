import type { QueueSendMessage } from '@tide/runtime';
import type { PodBinding } from './pod-bindings.js';

/** A record for the namespace's topic: what the records API takes. */
export interface QueueRecord {
  key?: string;
  value: Uint8Array;
  headers: Record<string, string>;
}

export type QueueSendDecision = { type: 'publish'; namespace: string; topic: string; records: QueueRecord[] } | { type: 'refuse'; error: string };

export interface QueueCaller {
  namespace: string;
  functionName: string;
  bindings: readonly PodBinding[];
}

/**
 * Decides one send of a pod. The pod names a binding; only its function's spec says which topic
 * that is, so a pod cannot publish to a topic its function does not bind. Each record carries its
 * content type and the trace context of the call that sent it (W3C headers, as Kafka clients'
 * OpenTelemetry instrumentations carry them), so the record and the call it causes are one trace.
 */
export function decideQueueSend(call: QueueSendMessage, caller: QueueCaller): QueueSendDecision {
  const binding = caller.bindings.find((b) => b.name === call.binding);
  if (!binding || !('queue' in binding))
    return refuse(
      `function ${caller.namespace}/${caller.functionName} has no queue binding named ${call.binding} (add {name: ${call.binding}, queue: <topic>} to spec.bindings)`,
    );
  if (!Array.isArray(call.messages) || call.messages.length === 0) return refuse(`${call.binding}: nothing to send`);
  const delayed = call.messages.find((m) => m.delaySeconds !== undefined && m.delaySeconds > 0);
  // Nothing downstream would honour a delay: refusing says so, where sending at once would silently ignore it.
  if (delayed) return refuse(`${call.binding}: delaySeconds (${delayed.delaySeconds}) is not supported by Tide yet; send without a delay`);
  const trace = {
    ...(call.traceparent ? { traceparent: call.traceparent } : {}),
    ...(call.tracestate ? { tracestate: call.tracestate } : {}),
  };
  const records = call.messages.map((m) => ({
    ...(m.key === undefined ? {} : { key: m.key }),
    value: Buffer.from(m.body, 'base64'),
    headers: { 'content-type': m.contentType, ...trace },
  }));
  return { type: 'publish', namespace: caller.namespace, topic: binding.queue, records };
}

const refuse = (error: string): QueueSendDecision => ({ type: 'refuse', error });
