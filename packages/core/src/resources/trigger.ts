import { z } from 'zod';
import { cronProblem } from '../cron/cron-schedule.js';
import { API_VERSION, dnsLabel, ObjectMeta, ObjectMetaInput } from './meta.js';

/**
 * A Trigger calls a function on events that are not HTTP calls: records on topics (`kafka`, as
 * Knative's KafkaSource, KEDA's Kafka scaler or Lambda's event source mappings) or a schedule
 * (`cron`, as a Kubernetes CronJob or Workers Cron Triggers). The triggers process runs them.
 */

/** A topic name as Kafka allows it (and the embedded log stores it). */
export const topicName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._-]+$/, 'must be letters, digits, ".", "_" and "-" (a Kafka topic name)')
  .refine((t) => !t.startsWith('tide.'), 'topics starting with "tide." are the platform\'s own');

/** Exponential back-off between attempts of one record: initial, doubled (× multiplier) up to max. */
export const Backoff = z
  .object({
    initialMs: z.number().int().min(1).max(3_600_000).default(1000),
    maxMs: z.number().int().min(1).max(86_400_000).default(60_000),
    multiplier: z.number().min(1).max(10).default(2),
  })
  .strict()
  .refine((b) => b.initialMs <= b.maxMs, { message: 'backoff.initialMs must not exceed backoff.maxMs', path: ['initialMs'] });
export type Backoff = z.infer<typeof Backoff>;

const hostPort = z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'must be host:port');

export const KafkaTriggerSpec = z
  .object({
    topics: z
      .array(topicName)
      .min(1, 'name at least one topic')
      .max(20)
      .refine((t) => new Set(t).size === t.length, 'topics must be unique'),
    /**
     * An external Kafka cluster to read (its topic names as they are). Absent: the platform's own
     * topics (the embedded log on one machine, TIDE_KAFKA_BROKERS in a cluster), namespaced.
     */
    brokers: z.array(hostPort).min(1).max(20).optional(),
    /** Default: `tide-trigger.<namespace>.<name>`, one group per trigger. */
    consumerGroup: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[A-Za-z0-9._-]+$/)
      .optional(),
    startFrom: z.enum(['latest', 'earliest']).default('latest'),
    /** Records handed to one call: 1 = a CloudEvent per call; a `queue` handler gets up to this many. */
    batchSize: z.number().int().min(1).max(1000).default(10),
    /** Attempts after the first before a record goes to the dead-letter topic (or is dropped, counted). */
    maxRetries: z.number().int().min(0).max(100).default(3),
    backoff: Backoff.default({ initialMs: 1000, maxMs: 60_000, multiplier: 2 }),
    deadLetterTopic: topicName.optional(),
    /**
     * `key`: records of one key in order, keys in parallel inside a partition. `partition`: one record
     * at a time per partition. `none`: in parallel, up to maxInFlight.
     */
    ordering: z.enum(['key', 'partition', 'none']).default('key'),
    /** Calls in flight per partition (key ordering: across distinct keys). */
    maxInFlight: z.number().int().min(1).max(1000).default(16),
  })
  .strict();
export type KafkaTriggerSpec = z.infer<typeof KafkaTriggerSpec>;

export const CronTriggerSpec = z
  .object({
    /** Five fields (minute hour day month weekday), or six with seconds first. */
    schedule: z.string().min(9).max(200),
    /** IANA time zone the schedule is read in. */
    timeZone: z.string().min(1).max(64).default('UTC'),
    /** As a Kubernetes CronJob: Allow overlapping runs, Forbid (skip a tick while one runs), Replace (abort the running one). */
    concurrencyPolicy: z.enum(['Allow', 'Forbid', 'Replace']).default('Allow'),
    /** A tick missed by more than this (the triggers process was down) is recorded as skipped, not fired late. */
    startingDeadlineSeconds: z.number().int().min(1).max(86_400).default(60),
    /** No ticks fire while suspended (they are not made up for afterwards). */
    suspend: z.boolean().default(false),
  })
  .strict()
  .superRefine((cron, ctx) => {
    const problem = cronProblem(cron.schedule, cron.timeZone);
    if (problem) ctx.addIssue({ code: 'custom', path: problem.startsWith('timeZone') ? ['timeZone'] : ['schedule'], message: problem });
  });
export type CronTriggerSpec = z.infer<typeof CronTriggerSpec>;

/**
 * How an event reaches the function: `auto` calls the module's `queue`/`scheduled` handler and falls
 * back to `fetch` with a CloudEvent when the module has none; the others force one shape.
 */
export const DeliveryMode = z.enum(['auto', 'cloudevent', 'handler']);
export type DeliveryMode = z.infer<typeof DeliveryMode>;

export const TriggerSpec = z
  .object({
    /** The function called, in the trigger's namespace. */
    function: dnsLabel,
    delivery: DeliveryMode.default('auto'),
    kafka: KafkaTriggerSpec.optional(),
    cron: CronTriggerSpec.optional(),
  })
  .strict()
  .refine((s) => (s.kafka === undefined) !== (s.cron === undefined), { message: 'give exactly one of kafka or cron', path: ['kafka'] });
export type TriggerSpec = z.infer<typeof TriggerSpec>;

export const TriggerManifest = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('Trigger'),
    metadata: ObjectMetaInput,
    spec: TriggerSpec,
  })
  .strict();
export type TriggerManifest = z.infer<typeof TriggerManifest>;

/** What the fold keeps of a cron trigger's firings: exactly one CronFired per tick, in tick order. */
export const TriggerStatus = z.object({
  /** Epoch ms of the last tick fired or skipped: a CronFired for this tick or an earlier one is refused. */
  lastTick: z.number().optional(),
  /** When the last CronFired was appended (ISO 8601). */
  lastFiredAt: z.string().optional(),
  /**
   * Epoch ms when the trigger last became able to fire: created, resumed from suspend, or turned
   * from kafka to cron. Ticks after lastTick and before this passed while it was suspended: they are
   * recorded as skipped, never fired late.
   */
  activeSince: z.number().optional(),
  /** Ticks fired and ticks skipped (missed beyond startingDeadlineSeconds, or Forbid while running). */
  fired: z.number().int(),
  skipped: z.number().int(),
});
export type TriggerStatus = z.infer<typeof TriggerStatus>;

export const Trigger = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Trigger'),
  metadata: ObjectMeta.extend({ namespace: z.string() }),
  spec: TriggerSpec,
  status: TriggerStatus,
});
export type Trigger = z.infer<typeof Trigger>;

/** The consumer group of a Kafka trigger. */
export function consumerGroupOf(namespace: string, name: string, spec: KafkaTriggerSpec): string {
  return spec.consumerGroup ?? `tide-trigger.${namespace}.${name}`;
}
