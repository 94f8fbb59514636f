/**
 * The Workers shapes of the events the platform delivers besides HTTP calls: Cron Triggers'
 * ScheduledController and Queues' MessageBatch. Pure: built from the JSON the platform sends, and
 * read back as the outcome it answers with.
 */

/** Workers' ScheduledController. */
export interface ScheduledController {
  readonly type: 'scheduled';
  readonly cron: string;
  /** Epoch ms of the tick (not of the call). */
  readonly scheduledTime: number;
  /** Asks the platform not to retry this tick if the handler fails. */
  noRetry(): void;
}

/** Workers Queues' Message. */
export interface QueueMessage {
  readonly id: string;
  readonly timestamp: Date;
  readonly body: unknown;
  readonly attempts: number;
  ack(): void;
  retry(options?: RetryOptions): void;
}

export interface RetryOptions {
  delaySeconds?: number;
}

/** Workers Queues' MessageBatch. */
export interface MessageBatch {
  readonly queue: string;
  readonly messages: readonly QueueMessage[];
  ackAll(): void;
  retryAll(options?: RetryOptions): void;
}

export interface ScheduledEvent {
  cron: string;
  scheduledTime: number;
}

export interface QueueEvent {
  queue: string;
  messages: { id: string; timestamp: number; body: unknown; attempts: number }[];
}

/** What the platform learns of a batch: acked messages are done, retried ones come again. */
export interface BatchOutcome {
  acked: string[];
  retried: { id: string; delaySeconds?: number }[];
}

export class EventBodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventBodyError';
  }
}

export function createScheduledController(event: ScheduledEvent): { controller: ScheduledController; noRetry: () => boolean } {
  let noRetry = false;
  const controller: ScheduledController = {
    type: 'scheduled',
    cron: event.cron,
    scheduledTime: event.scheduledTime,
    noRetry: () => {
      noRetry = true;
    },
  };
  return { controller, noRetry: () => noRetry };
}

type Decision = { ack: true } | { ack: false; delaySeconds?: number };

/**
 * A batch whose messages remember the first ack or retry each received (a later call, for one
 * message or for the batch, does not change it, as in Workers). `outcome(handlerSucceeded)` decides
 * the rest: acked when the handler returned, retried when it threw.
 */
export function createMessageBatch(event: QueueEvent): { batch: MessageBatch; outcome: (handlerSucceeded: boolean) => BatchOutcome } {
  const decisions = new Map<string, Decision>();
  const decide = (id: string, decision: Decision) => {
    if (!decisions.has(id)) decisions.set(id, decision);
  };
  const retryDecision = (options?: RetryOptions): Decision =>
    options?.delaySeconds === undefined ? { ack: false } : { ack: false, delaySeconds: options.delaySeconds };
  const messages = event.messages.map(
    (m): QueueMessage => ({
      id: m.id,
      timestamp: new Date(m.timestamp),
      body: m.body,
      attempts: m.attempts,
      ack: () => decide(m.id, { ack: true }),
      retry: (options) => decide(m.id, retryDecision(options)),
    }),
  );
  const batch: MessageBatch = {
    queue: event.queue,
    messages,
    ackAll: () => {
      for (const m of messages) decide(m.id, { ack: true });
    },
    retryAll: (options) => {
      for (const m of messages) decide(m.id, retryDecision(options));
    },
  };
  const outcome = (handlerSucceeded: boolean): BatchOutcome => {
    const result: BatchOutcome = { acked: [], retried: [] };
    for (const { id } of messages) {
      const decision = decisions.get(id) ?? (handlerSucceeded ? { ack: true } : { ack: false });
      if (decision.ack) result.acked.push(id);
      else result.retried.push(decision.delaySeconds === undefined ? { id } : { id, delaySeconds: decision.delaySeconds });
    }
    return result;
  };
  return { batch, outcome };
}

/** `{cron, scheduledTime}`; a bad body names the field. */
export function parseScheduledEvent(value: unknown): ScheduledEvent {
  const body = asObject(value, 'body');
  return { cron: field(body, 'cron', 'string'), scheduledTime: field(body, 'scheduledTime', 'number') };
}

/** `{queue, messages: [{id, timestamp, body, attempts}]}`; a bad body names the field. */
export function parseQueueEvent(value: unknown): QueueEvent {
  const body = asObject(value, 'body');
  const list = body.messages;
  if (!Array.isArray(list)) throw new EventBodyError('messages must be an array');
  const messages = list.map((item: unknown, i) => {
    const message = asObject(item, `messages[${i}]`);
    const where = `messages[${i}].`;
    return {
      id: field(message, 'id', 'string', where),
      timestamp: field(message, 'timestamp', 'number', where),
      body: message.body,
      attempts: field(message, 'attempts', 'number', where),
    };
  });
  return { queue: field(body, 'queue', 'string'), messages };
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new EventBodyError(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

function field<T extends 'string' | 'number'>(object: Record<string, unknown>, key: string, type: T, where = ''): T extends 'string' ? string : number {
  const value = object[key];
  if (typeof value !== type || (type === 'number' && !Number.isFinite(value))) throw new EventBodyError(`${where}${key} must be a ${type}`);
  return value as T extends 'string' ? string : number;
}
