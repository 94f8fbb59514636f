/**
 * What a `queue` handler's answer says of each message of its batch (runtime's event-invocation.ts:
 * `{outcome, acked: [ids], retried: [{id, delaySeconds?}]}`, 200 when the handler returned, 500
 * when it threw). Pure.
 */
import { classifyStatus, type AnswerClass } from './retry-policy.js';

export interface MessageAnswer {
  answer: AnswerClass;
  /** The handler's `retry({delaySeconds})`, in ms. */
  delayMs?: number;
}

/**
 * One answer per message id. A message the answer names as acked succeeded, one named as retried is
 * retried (even after a 200); the others follow the status: an answer that is not the runtime's
 * (a 5xx of the gateway, a 4xx) applies to the whole batch.
 */
export function messageAnswers(ids: readonly string[], status: number | undefined, body: Uint8Array | undefined): Map<string, MessageAnswer> {
  const parsed = status === undefined ? undefined : parseAnswer(body);
  const acked = new Set(parsed?.acked ?? []);
  const retried = new Map((parsed?.retried ?? []).map((r) => [r.id, r.delaySeconds]));
  const whole = classifyStatus(status);
  const answers = new Map<string, MessageAnswer>();
  for (const id of ids) {
    if (retried.has(id)) {
      const delay = retried.get(id);
      answers.set(id, { answer: 'retryable', ...(delay === undefined ? {} : { delayMs: delay * 1000 }) });
    } else if (acked.has(id)) answers.set(id, { answer: 'success' });
    else answers.set(id, { answer: whole === 'success' && parsed ? 'retryable' : whole });
  }
  return answers;
}

interface QueueAnswer {
  acked: string[];
  retried: { id: string; delaySeconds?: number }[];
}

function parseAnswer(body: Uint8Array | undefined): QueueAnswer | undefined {
  if (!body || body.length === 0) return undefined;
  try {
    const value = JSON.parse(new TextDecoder().decode(body)) as Partial<QueueAnswer>;
    if (!Array.isArray(value.acked) || !Array.isArray(value.retried)) return undefined;
    const acked = value.acked.filter((id): id is string => typeof id === 'string');
    const retried = value.retried
      .filter((r) => typeof r === 'object' && r !== null && typeof r.id === 'string')
      .map((r) => (typeof r.delaySeconds === 'number' && r.delaySeconds >= 0 ? { id: r.id, delaySeconds: r.delaySeconds } : { id: r.id }));
    return { acked, retried };
  } catch {
    return undefined;
  }
}
