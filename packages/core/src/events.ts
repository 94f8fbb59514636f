import { z } from 'zod';
import { dnsLabel } from './resources/meta.js';
import { FunctionManifest } from './resources/function.js';
import { NamespaceQuota } from './resources/namespace.js';
import { NodeCapacity, Taint } from './resources/pod.js';
import { PodIsolation } from './resources/pod-isolation.js';
import { TriggerManifest } from './resources/trigger.js';
import { TokenSpec } from './resources/token.js';
import { SealedValue, secretKey } from './resources/secret.js';

const nsName = { namespace: dnsLabel, name: dnsLabel };
const podName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);

/** Every event that may appear on the state stream. Past-tense facts; a type never changes meaning. */
export const TideEvent = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('NamespaceApplied'),
    data: z.object({
      name: dnsLabel,
      labels: z.record(z.string(), z.string()).default({}),
      annotations: z.record(z.string(), z.string()).default({}),
      quota: NamespaceQuota.optional(),
    }),
  }),
  z.object({ type: z.literal('NamespaceDeleted'), data: z.object({ name: dnsLabel }) }),
  z.object({ type: z.literal('FunctionApplied'), data: z.object({ namespace: dnsLabel, manifest: FunctionManifest }) }),
  z.object({ type: z.literal('FunctionDeleted'), data: z.object(nsName) }),
  z.object({ type: z.literal('RolloutUndone'), data: z.object({ ...nsName, revision: podName.optional() }) }),
  z.object({
    type: z.literal('ScaleSet'),
    data: z.object({
      namespace: dnsLabel,
      name: dnsLabel,
      /** The replicas the decider started from: the fold rejects a decision made on stale state. */
      from: z.number().int().min(0),
      to: z.number().int().min(0),
      reason: z.string().max(1024),
      inputs: z.record(z.string(), z.number()).default({}),
    }),
  }),
  z.object({
    type: z.literal('PodCreated'),
    data: z.object({
      namespace: dnsLabel,
      name: podName,
      revision: podName,
      /**
       * The offset of the event that last changed the function before this pod was asked for: the
       * ScaleSet (or FunctionApplied, rollback) whose replicas it fills, so `tide explain pod` can
       * say why it exists. Informative only: the fold does not judge it.
       */
      causeOffset: z.number().int().min(0).optional(),
    }),
  }),
  z.object({
    type: z.literal('PodBound'),
    data: z.object({
      namespace: dnsLabel,
      name: podName,
      node: dnsLabel,
      /** Each score plugin's 0..100 for the chosen node (why this node): informative only. */
      scores: z.record(z.string().max(64), z.number()).optional(),
    }),
  }),
  z.object({ type: z.literal('PodDeletionRequested'), data: z.object({ namespace: dnsLabel, name: podName, reason: z.string().max(1024) }) }),
  z.object({
    type: z.literal('PodStatusReported'),
    data: z.object({
      namespace: dnsLabel,
      name: podName,
      node: dnsLabel,
      bootId: z.string().min(1),
      phase: z.enum(['Starting', 'Ready', 'Exited']),
      endpoint: z.string().max(256).optional(),
      reason: z.string().max(4096).optional(),
      restartCount: z.number().int().min(0),
      exitCode: z.number().int().nullable().optional(),
      nextRestartAt: z.number().optional(),
      /** How this start began: a warm-pool process claimed, or a process spawned (informative only). */
      coldStart: z.enum(['pool', 'spawn']).optional(),
      /** Ready only: ms from the agent starting the pod to Ready. */
      startMs: z.number().min(0).optional(),
    }),
  }),
  z.object({ type: z.literal('PodRemoved'), data: z.object({ namespace: dnsLabel, name: podName, node: dnsLabel.optional() }) }),
  z.object({
    type: z.literal('NodeRegistered'),
    data: z.object({
      name: dnsLabel,
      bootId: z.string().min(1),
      address: z.string().max(256),
      capacity: NodeCapacity,
      labels: z.record(z.string().max(253), z.string().max(63)).default({}),
      taints: z.array(Taint).max(20).default([]),
      isolation: PodIsolation.optional(),
    }),
  }),
  z.object({
    type: z.literal('LeaderElected'),
    data: z.object({ role: z.string().min(1).max(64), epoch: z.number().int().min(1), holder: z.string().min(1).max(256) }),
  }),
  z.object({ type: z.literal('NodeCordoned'), data: z.object({ name: dnsLabel, unschedulable: z.boolean() }) }),
  /** `tide delete node`: a node whose agent is gone leaves the cluster, with the pods bound to it. */
  z.object({ type: z.literal('NodeDeleted'), data: z.object({ name: dnsLabel }) }),
  z.object({
    type: z.literal('NodeReadinessChanged'),
    data: z.object({ name: dnsLabel, bootId: z.string().min(1), ready: z.boolean(), reason: z.string().max(512) }),
  }),
  /**
   * The fold's rules change here: events after this one are judged by `version`'s rules. Appended
   * by the leader once every live member has said it speaks that version (see leases.ts).
   */
  z.object({ type: z.literal('RulesVersionRaised'), data: z.object({ version: z.number().int().min(2) }) }),
  z.object({
    type: z.literal('PodUnschedulable'),
    data: z.object({ namespace: dnsLabel, name: podName, reasons: z.array(z.string().max(512)).max(100) }),
  }),
  /** Fold rules version 3 and later (an older version refuses them): triggers and their cron firings. */
  z.object({ type: z.literal('TriggerApplied'), data: z.object({ namespace: dnsLabel, manifest: TriggerManifest }) }),
  z.object({ type: z.literal('TriggerDeleted'), data: z.object(nsName) }),
  /**
   * A cron trigger's tick, appended before the function is called: the fold accepts one per tick,
   * in tick order, so a tick fires once whichever process (or restart of it) got there first.
   */
  z.object({
    type: z.literal('CronFired'),
    data: z.object({ ...nsName, tick: z.number().int().min(0), late: z.boolean().default(false) }),
  }),
  /** Ticks that will never fire: missed beyond startingDeadlineSeconds, or Forbid while a run goes on. */
  z.object({
    type: z.literal('CronSkipped'),
    data: z.object({ ...nsName, lastTick: z.number().int().min(0), count: z.number().int().min(1), reason: z.string().max(1024) }),
  }),
  /**
   * Fold rules version 4 and later: bearer tokens. Only the sha256 of a token's secret is ever
   * written; the secret is shown once to whoever created it.
   */
  z.object({
    type: z.literal('TokenCreated'),
    data: z.object({ name: dnsLabel, spec: TokenSpec, secretHash: z.string().regex(/^[0-9a-f]{64}$/) }),
  }),
  z.object({ type: z.literal('TokenRevoked'), data: z.object({ name: dnsLabel }) }),
  /**
   * Fold rules version 4 and later: a Secret, its values sealed by the control plane that wrote it
   * (AES-256-GCM, secrets/seal.ts). Plaintext is never written; a re-seal with a new key (rotation)
   * is another SecretApplied.
   */
  z.object({
    type: z.literal('SecretApplied'),
    data: z.object({
      ...nsName,
      labels: z.record(z.string(), z.string()).default({}),
      annotations: z.record(z.string(), z.string()).default({}),
      type: z.string().max(253),
      data: z.record(secretKey, SealedValue),
    }),
  }),
  z.object({ type: z.literal('SecretDeleted'), data: z.object(nsName) }),
]);
export type TideEvent = z.infer<typeof TideEvent>;
/** An event as a writer may give it: fields with defaults may be left out. */
export type TideEventInput = z.input<typeof TideEvent>;
export type TideEventType = TideEvent['type'];
export type EventOf<T extends TideEventType> = Extract<TideEvent, { type: T }>;

/** What a writer adds to every event: its precondition and context. */
const EnvelopeFields = z.object({
  /** Unique id (uuid): a producer retry's second copy is recognised and rejected. */
  id: z.string().min(8).max(64),
  /** When the writer created the event (ISO 8601); the fold uses it for timestamps. */
  time: z.string(),
  /**
   * The subject's resourceVersion the writer saw: a number = must still be that version,
   * null = must not exist, absent = no precondition.
   */
  expect: z.number().int().min(0).nullable().optional(),
  actor: z.string().max(256).optional(),
  /** W3C traceparent of the operation that caused the event, so traces cross the log. */
  traceparent: z.string().max(128).optional(),
  /** Written by a leader (controllers, scheduler, autoscaler): rejected unless its epoch is current. */
  leader: z.object({ role: z.string().min(1).max(64), epoch: z.number().int().min(1) }).optional(),
});

/**
 * What is written to the log: the event plus the writer's precondition and context. Each event's
 * schema extended with the envelope's fields, not an intersection of the two: an intersection
 * parses every record twice and deep-merges the halves, which was a fifth of a replay's decoding.
 */
export const EventEnvelope = z.discriminatedUnion(
  'type',
  TideEvent.options.map((event) => event.extend(EnvelopeFields.shape)) as unknown as EnvelopeOptions,
) as unknown as z.ZodType<TideEvent & z.infer<typeof EnvelopeFields>, TideEventInput & z.input<typeof EnvelopeFields>>;
type EnvelopeOptions = [z.ZodObject<z.ZodRawShape>, ...z.ZodObject<z.ZodRawShape>[]];
export type EventEnvelope = z.infer<typeof EventEnvelope>;

/**
 * An envelope as read back from the log, at its offset, with who appended it: the record's
 * `tide-writer` header (auth/principal.ts), never a field the writer could set in the event.
 */
export type LoggedEvent = EventEnvelope & { offset: number; writer?: string };

/** What an event is about: its collection (`functions`, `pods`, …; `leaders`, `rules`) and its key there. */
export interface SubjectRef {
  kind: string;
  key: string;
}

/**
 * The one mapping from an event to what it is about. `subjectOf` writes it as `kind/key`; the fold
 * looks the version up from it directly (it used to build the string and cut it apart per event).
 */
export function subjectRefOf(event: TideEvent): SubjectRef {
  switch (event.type) {
    case 'NamespaceApplied':
    case 'NamespaceDeleted':
      return { kind: 'namespaces', key: `${event.data.name}` };
    case 'FunctionApplied':
      return { kind: 'functions', key: `${event.data.namespace}/${event.data.manifest.metadata.name}` };
    case 'FunctionDeleted':
    case 'ScaleSet':
    case 'RolloutUndone':
      return { kind: 'functions', key: `${event.data.namespace}/${event.data.name}` };
    case 'PodCreated':
    case 'PodBound':
    case 'PodDeletionRequested':
    case 'PodStatusReported':
    case 'PodRemoved':
    case 'PodUnschedulable':
      return { kind: 'pods', key: `${event.data.namespace}/${event.data.name}` };
    case 'NodeRegistered':
    case 'NodeCordoned':
    case 'NodeDeleted':
    case 'NodeReadinessChanged':
      return { kind: 'nodes', key: `${event.data.name}` };
    case 'LeaderElected':
      return { kind: 'leaders', key: `${event.data.role}` };
    case 'RulesVersionRaised':
      return { kind: 'rules', key: 'version' };
    case 'TriggerApplied':
      return { kind: 'triggers', key: `${event.data.namespace}/${event.data.manifest.metadata.name}` };
    case 'TriggerDeleted':
    case 'CronFired':
    case 'CronSkipped':
      return { kind: 'triggers', key: `${event.data.namespace}/${event.data.name}` };
    case 'TokenCreated':
    case 'TokenRevoked':
      return { kind: 'tokens', key: `${event.data.name}` };
    case 'SecretApplied':
    case 'SecretDeleted':
      return { kind: 'secrets', key: `${event.data.namespace}/${event.data.name}` };
    default:
      return assertNever(event);
  }
}

/** The resource an event is about: the key its `expect` precondition refers to. */
export function subjectOf(event: TideEvent): string {
  const { kind, key } = subjectRefOf(event);
  return `${kind}/${key}`;
}

export function assertNever(value: never): never {
  throw new Error(`unhandled variant: ${JSON.stringify(value)}`);
}
