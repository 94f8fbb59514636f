import { consumerGroupOf, type Trigger } from '@tide/core';
import type { ApiClient } from '../api-client.js';
import { age } from '../format.js';
import { functionPath } from '../paths.js';
import { getOne } from './get.js';

/**
 * `tide describe trigger <name>`: what calls the function (schedule or topics), how the calls are
 * made, what the cron has fired or skipped, and whether the function it names exists — a trigger
 * may name one not deployed yet, and then nothing is called.
 */
export async function describeTrigger(api: ApiClient, namespace: string, name: string): Promise<string> {
  const trigger = await getOne<Trigger>(api, 'triggers', namespace, name);
  const fn = await api.call('GET', functionPath(namespace, trigger.spec.function));
  return triggerDescription(trigger, fn.status === 200);
}

/** The description, from the trigger and whether its function exists: pure, so a test can read it. */
export function triggerDescription(trigger: Trigger, functionExists: boolean, now = Date.now()): string {
  const { metadata, spec, status } = trigger;
  const fn = functionExists
    ? spec.function
    : `${spec.function} (missing: no function "${spec.function}" in namespace ${metadata.namespace}; nothing is called until it is deployed)`;
  const lines = [
    `Name:             ${metadata.name}`,
    `Namespace:        ${metadata.namespace}`,
    `Created:          ${metadata.creationTimestamp} (${age(metadata.creationTimestamp, now)} ago)`,
    `Resource version: ${metadata.resourceVersion} (generation ${metadata.generation})`,
    `Labels:           ${
      Object.entries(metadata.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',') || '<none>'
    }`,
    `Type:             ${spec.cron ? 'cron' : 'kafka'}`,
    `Function:         ${fn}`,
    `Delivery:         ${spec.delivery}`,
  ];
  if (spec.cron) {
    const c = spec.cron;
    lines.push(
      `Schedule:         ${c.schedule} (${c.timeZone})`,
      `Concurrency:      ${c.concurrencyPolicy}`,
      `Starting deadline: ${c.startingDeadlineSeconds}s (a tick missed by more is skipped, not fired late)`,
      `Suspended:        ${c.suspend ? 'yes' : 'no'}`,
      '',
      'Status:',
      `  Fired:          ${status.fired}`,
      `  Skipped:        ${status.skipped}`,
      `  Last tick:      ${status.lastTick === undefined ? '<none>' : new Date(status.lastTick).toISOString()}`,
      `  Last fired:     ${status.lastFiredAt ? `${status.lastFiredAt} (${age(status.lastFiredAt, now)} ago)` : '<never>'}`,
    );
  }
  if (spec.kafka) {
    const k = spec.kafka;
    lines.push(
      `Topics:           ${k.topics.join(', ')}`,
      `Brokers:          ${k.brokers?.join(', ') ?? "the platform's (namespaced topics)"}`,
      `Consumer group:   ${consumerGroupOf(metadata.namespace, metadata.name, k)}`,
      `Start from:       ${k.startFrom}`,
      `Batch size:       ${k.batchSize}`,
      `Ordering:         ${k.ordering} (at most ${k.maxInFlight} in flight per partition)`,
      `Retries:          ${k.maxRetries}, back-off ${k.backoff.initialMs}ms × ${k.backoff.multiplier} up to ${k.backoff.maxMs}ms`,
      `Dead letters:     ${k.deadLetterTopic ?? '<none: a record that fails every retry is dropped and counted>'}`,
    );
  }
  return lines.join('\n');
}
