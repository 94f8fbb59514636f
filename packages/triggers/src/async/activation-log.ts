import { ACTIVATIONS_TOPIC, decodeActivationRecord, encodeActivationRecord, type ActivationRecord } from '@tide/core';
import type { EventLog } from '@tide/log';

/** Appends an activation's whole record (the latest of an id is its state), keyed by id. Resolves once durable. */
export async function appendActivation(log: EventLog, record: ActivationRecord): Promise<void> {
  await log.append(ACTIVATIONS_TOPIC, [{ key: record.id, value: encodeActivationRecord(record) }]);
}

/**
 * The latest record of every activation on the topic, read once at start: a call whose activation
 * already ended is not run again after a restart, and one that was retrying goes on counting.
 */
export async function readActivations(log: EventLog, signal?: AbortSignal): Promise<Map<string, ActivationRecord>> {
  const latest = new Map<string, ActivationRecord>();
  for await (const entry of log.read(ACTIVATIONS_TOPIC, 0, { follow: false, ...(signal ? { signal } : {}) })) {
    const record = decodeActivationRecord(entry.value);
    if (record === undefined) continue;
    const held = latest.get(record.id);
    if (held === undefined || held.updatedAt <= record.updatedAt) latest.set(record.id, record);
  }
  return latest;
}
