import type { Trigger } from '@tide/core';
import type { Delivery, DeliveryResult } from '../../dispatcher.js';

/**
 * What one tick's call looks like on the wire, and what its answer means. Pure: the shell
 * (call-tick.ts) sends these and waits between attempts.
 */

/** The module's `scheduled(controller)` handler, with @tide/runtime's body: `{cron, scheduledTime}`. */
export function scheduledDelivery(trigger: Trigger, tick: number): Delivery {
  return {
    namespace: trigger.metadata.namespace,
    function: trigger.spec.function,
    kind: 'scheduled',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ cron: trigger.spec.cron!.schedule, scheduledTime: tick }),
  };
}

/** A CloudEvent in HTTP binary mode to the module's `fetch`: what a Knative PingSource sends. */
export function cloudEventDelivery(trigger: Trigger, tick: number): Delivery {
  const { namespace, name, uid } = trigger.metadata;
  const cron = trigger.spec.cron!;
  const time = new Date(tick).toISOString();
  return {
    namespace,
    function: trigger.spec.function,
    kind: 'http',
    method: 'POST',
    path: '/',
    headers: {
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      // One id per firing: a tick fires once, so a receiver may deduplicate on it.
      'ce-id': `${uid}-${tick}`,
      'ce-source': `/tide/namespaces/${namespace}/triggers/${name}`,
      'ce-type': 'dev.tide.cron.tick',
      'ce-time': time,
    },
    body: JSON.stringify({ schedule: cron.schedule, timeZone: cron.timeZone, tick: time, scheduledTime: tick }),
  };
}

export type AnswerVerdict = { ok: true } | { ok: false; retry: boolean; error: string };

/**
 * 2xx is done. 5xx is retried unless the handler called `controller.noRetry()` (the runtime answers
 * `{"outcome":"ok","noRetry":true}`); a 4xx will not get better by asking again.
 */
export function judgeAnswer(result: DeliveryResult): AnswerVerdict {
  if (result.status >= 200 && result.status < 300) return { ok: true };
  const text = new TextDecoder().decode(result.body).slice(0, 300);
  return { ok: false, retry: result.status >= 500 && !saysNoRetry(text), error: `answered ${result.status}${text ? `: ${text}` : ''}` };
}

function saysNoRetry(text: string): boolean {
  try {
    return (JSON.parse(text) as { noRetry?: unknown }).noRetry === true;
  } catch {
    return false;
  }
}
