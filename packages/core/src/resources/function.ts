import { z } from 'zod';
import { AsyncSpec } from './async-policy.js';
import { API_VERSION, ObjectMeta, ObjectMetaInput } from './meta.js';
import { canonicalEnv, envVarName, FunctionEnv } from './function-env.js';

export const artifactDigest = z
  .string()
  .regex(/^sha256:[a-f0-9]{64}$/, 'must be "sha256:" followed by 64 lowercase hex digits (the digest returned by the artifact upload)');

export const ScaleSpec = z
  .object({
    min: z.number().int().min(0).max(1000).default(1),
    max: z.number().int().min(1).max(1000).default(20),
    /**
     * Per replica: in-flight requests (metric concurrency) or requests/s (rps); and, for the
     * function's triggers, records of consumer lag (KEDA's lagThreshold): lag 340 at target 10
     * asks for 34 replicas, never more than the partitions or keys that can make progress.
     */
    target: z.number().positive().max(10_000).default(10),
    metric: z.enum(['concurrency', 'rps', 'cpu']).default('concurrency'),
    scaleToZeroAfterSeconds: z.number().int().min(1).max(86_400).default(30),
    /** The autoscaler's stable window (Knative's autoscaling.knative.dev/window); its panic window is a tenth of it. */
    stableWindowSeconds: z.number().int().min(6).max(3600).default(60),
  })
  .strict()
  .refine((s) => s.min <= s.max, { message: 'scale.min must not exceed scale.max', path: ['min'] });
export type ScaleSpec = z.infer<typeof ScaleSpec>;

export const TrafficTarget = z
  .object({
    revision: z.string().min(1).optional(),
    latestRevision: z.boolean().optional(),
    percent: z.number().int().min(0).max(100),
    tag: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
      .max(63)
      .optional(),
  })
  .strict()
  .refine((t) => (t.revision !== undefined) !== (t.latestRevision === true), { message: 'give either revision or latestRevision: true' });
export type TrafficTarget = z.infer<typeof TrafficTarget>;

/** A count of pods, or a percentage of the desired replicas ("25%"), as Kubernetes' rolling update takes. */
const podCountOrPercent = z.union([z.number().int().min(0).max(10_000), z.string().regex(/^\d{1,3}%$/, 'must be a whole number or a percentage like "25%"')]);

export const RolloutSpec = z
  .object({ maxSurge: podCountOrPercent.default('25%'), maxUnavailable: podCountOrPercent.default(0) })
  .strict()
  .refine((r) => !(isZero(r.maxSurge) && isZero(r.maxUnavailable)), {
    message: 'maxSurge and maxUnavailable cannot both be 0: a rollout could never make progress',
  });
export type RolloutSpec = z.infer<typeof RolloutSpec>;

function isZero(value: number | string): boolean {
  return value === 0 || value === '0%';
}

/** A rollout bound as a pod count: percentages of `desired` round up for surge, down for unavailable (Kubernetes). */
export function podsOf(value: number | string, desired: number, round: 'up' | 'down'): number {
  if (typeof value === 'number') return value;
  const share = (Number(value.slice(0, -1)) / 100) * desired;
  return round === 'up' ? Math.ceil(share) : Math.floor(share);
}

export const Toleration = z
  .object({
    key: z.string().min(1).max(253),
    operator: z.enum(['Equal', 'Exists']).default('Equal'),
    value: z.string().max(63).optional(),
    effect: z.enum(['NoSchedule', 'NoExecute']).optional(),
  })
  .strict();
export type Toleration = z.infer<typeof Toleration>;

export const Probe = z
  .object({
    /** An HTTP GET of this path on the pod must answer 2xx or 3xx. */
    path: z
      .string()
      .regex(/^\/[\x21-\x7e]*$/, 'must be a URL path starting with "/"')
      .max(512),
    initialDelaySeconds: z.number().int().min(0).max(3600).default(0),
    periodSeconds: z.number().int().min(1).max(300).default(10),
    timeoutSeconds: z.number().int().min(1).max(60).default(1),
    failureThreshold: z.number().int().min(1).max(100).default(3),
  })
  .strict();
export type Probe = z.infer<typeof Probe>;

const dns1123 = z
  .string()
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label (lowercase letters, digits and "-")');

/** A topic's name within a namespace: what Kafka allows, less the dot (a namespace's topics are `<ns>.<topic>` on the bus). */
const topicName = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be a topic name: letters, digits, "_" and "-"');

/** Workers binding kinds Tide has nothing to back with: a manifest naming one is refused, named. */
const UNBACKED_BINDINGS = ['durable_object', 'durableObject', 'd1', 'r2', 'service', 'ai', 'vectorize', 'hyperdrive', 'analytics_engine'];

/**
 * `{name: CACHE, kv: my-kv}`: the function's `env.CACHE` is the KV namespace my-kv of its namespace.
 * `{name: RESERVATIONS, queue: reservations}`: `env.RESERVATIONS` is a Workers Queues producer
 * whose messages are records of the namespace's topic `reservations`.
 */
export const Binding = z
  .record(z.string(), z.unknown())
  // Checked before the shape, so `{name: DB, d1: main}` says "d1", not "kv is missing".
  .superRefine((b, ctx) => {
    const unbacked = Object.keys(b).filter((key) => UNBACKED_BINDINGS.includes(key));
    for (const key of unbacked)
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `Tide cannot back ${key} bindings (Durable Objects, D1, R2 and service bindings are not supported); only kv and queue bindings are`,
      });
  })
  .pipe(z.union([z.object({ name: envVarName, kv: dns1123 }).strict(), z.object({ name: envVarName, queue: topicName }).strict()]));
export type Binding = z.infer<typeof Binding>;

/** A function's access on the invocation path (spec.access): see FunctionSpec. */
export const FUNCTION_ACCESS = ['public', 'token'] as const;
export type FunctionAccess = (typeof FUNCTION_ACCESS)[number];

export const FunctionSpec = z
  .object({
    source: z.object({ artifact: artifactDigest }).strict(),
    /** Plain values, or a secret's key (`{valueFrom: {secretKeyRef}}`, see function-env.ts); both win over envFrom. */
    env: FunctionEnv.default({}),
    resources: z
      .object({
        memoryMb: z.number().int().min(16).max(16_384).default(128),
        /** What the scheduler reserves and the pod's CPU weight against its neighbours (Kubernetes' request). */
        cpuMilli: z.number().int().min(10).max(64_000).default(100),
        /**
         * The most CPU a sandboxed pod may use (Kubernetes' limit), enforced by the cgroup's quota.
         * Absent: one core, or cpuMilli if more (cpuCeilingMilli): a spinning function cannot take a
         * whole machine, yet a 100m function is not slowed to a tenth of a core when the node is idle.
         */
        cpuLimitMilli: z.number().int().min(10).max(64_000).optional(),
      })
      .strict()
      .refine((r) => r.cpuLimitMilli === undefined || r.cpuLimitMilli >= r.cpuMilli, {
        message: 'cpuLimitMilli must be at least cpuMilli',
        path: ['cpuLimitMilli'],
      })
      .default({ memoryMb: 128, cpuMilli: 100 }),
    concurrency: z.number().int().min(1).max(10_000).default(50),
    /** Only nodes with all these labels may run the function's pods. */
    nodeSelector: z.record(z.string().max(253), z.string().max(63)).default({}),
    /** Taints of nodes the pods may run on anyway. */
    tolerations: z.array(Toleration).max(20).default([]),
    /** Readiness: a failing pod gets no requests. Liveness: a failing pod is restarted. */
    probes: z.object({ readiness: Probe.optional(), liveness: Probe.optional() }).strict().default({}),
    /** After SIGTERM a pod may finish its in-flight requests for this long, then it is killed. */
    terminationGracePeriodSeconds: z.number().int().min(0).max(3600).default(30),
    timeoutSeconds: z.number().int().min(1).max(900).default(30),
    scale: ScaleSpec.default({ min: 1, max: 20, target: 10, metric: 'concurrency', scaleToZeroAfterSeconds: 30, stableWindowSeconds: 60 }),
    traffic: z
      .array(TrafficTarget)
      .max(20)
      .refine((t) => t.length === 0 || t.reduce((sum, x) => sum + x.percent, 0) === 100, 'traffic percents must add up to 100')
      .refine((t) => new Set(t.flatMap((x) => (x.tag ? [x.tag] : []))).size === t.filter((x) => x.tag).length, 'traffic tags must be unique')
      .optional(),
    rollout: RolloutSpec.default({ maxSurge: '25%', maxUnavailable: 0 }),
    /**
     * What the function's `env` holds besides vars: KV namespaces, by binding name. Absent, not
     * defaulted, when there are none: a function applied before bindings existed reads back as it was.
     */
    bindings: z
      .array(Binding)
      .max(50)
      .refine((b) => new Set(b.map((x) => x.name)).size === b.length, 'binding names must be unique')
      .optional(),
    /**
     * Secrets whose every key becomes an env var of the pods (`[{secretRef: db}]`), as Kubernetes'
     * envFrom; spec.env wins over a secret's key of the same name. A secret that does not exist
     * yet is accepted: the pods wait (CreateContainerConfigError) until it does. Absent, not
     * defaulted, so a function applied before secrets existed reads back as it was.
     */
    envFrom: z
      .array(z.object({ secretRef: dns1123 }).strict())
      .max(20)
      .refine((refs) => new Set(refs.map((r) => r.secretRef)).size === refs.length, 'secretRef names must be unique')
      .optional(),
    /** Retries and dead letters of async calls (see async-policy.ts); absent = Lambda's defaults. Not in the revision template. */
    async: AsyncSpec.optional(),
    /**
     * Body limits of calls through the gateway; each absent field is Lambda's 6 MB. Not in the
     * revision template: a limit is the gateway's, so changing it needs no new pods.
     */
    limits: z
      .object({
        requestBodyBytes: z
          .number()
          .int()
          .min(0)
          .max(1024 ** 3)
          .optional(),
        responseBodyBytes: z
          .number()
          .int()
          .min(0)
          .max(1024 ** 3)
          .optional(),
      })
      .strict()
      .optional(),
    /**
     * Who may call the function through the gateway: `public` (anyone; the default) or `token`
     * (a bearer token of a user holding admin, developer or invoker in its namespace). Absent, not
     * defaulted, so a function applied before access existed reads back as it was. Not in the
     * revision template: the gateway decides, so changing it needs no new pods.
     */
    access: z.enum(FUNCTION_ACCESS).optional(),
    /** Revisions kept beyond the latest and those traffic names; older ones are garbage-collected. */
    revisionHistoryLimit: z.number().int().min(0).max(1000).default(10),
  })
  .strict();
export type FunctionSpec = z.infer<typeof FunctionSpec>;

export const FunctionManifest = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('Function'),
    metadata: ObjectMetaInput,
    spec: FunctionSpec,
  })
  .strict();
export type FunctionManifest = z.infer<typeof FunctionManifest>;

/** The part of a spec that makes a new immutable Revision when it changes (not scale or traffic). */
export const RevisionTemplate = FunctionSpec.pick({
  source: true,
  env: true,
  resources: true,
  concurrency: true,
  timeoutSeconds: true,
  nodeSelector: true,
  tolerations: true,
  probes: true,
  terminationGracePeriodSeconds: true,
}).extend({
  /** Absent when the function binds nothing, so revisions made before bindings existed compare equal. */
  bindings: z.array(z.union([z.object({ name: z.string(), kv: z.string() }), z.object({ name: z.string(), queue: z.string() })])).optional(),
  /** Absent when the function takes no secrets, likewise. */
  envFrom: z.array(z.object({ secretRef: z.string() })).optional(),
});
export type RevisionTemplate = z.infer<typeof RevisionTemplate>;

/** Replicas a function starts with: one pod (so a deploy proves it runs), or its minimum if higher. */
export function initialReplicas(scale: ScaleSpec): number {
  return Math.min(scale.max, Math.max(1, scale.min));
}

export function revisionTemplateOf(spec: FunctionSpec): RevisionTemplate {
  const { source, env, resources, concurrency, timeoutSeconds, nodeSelector, tolerations, probes, terminationGracePeriodSeconds, bindings, envFrom } = spec;
  const template = { source, env, resources, concurrency, timeoutSeconds, nodeSelector, tolerations, probes, terminationGracePeriodSeconds };
  // No bindings (or envFrom), no field: a revision made before they existed keeps comparing equal.
  // Only the fields that say what is bound, in one order, so equal bindings compare equal.
  return {
    ...template,
    env: canonicalEnv(env),
    ...(bindings?.length ? { bindings: bindings.map((b) => ('kv' in b ? { name: b.name, kv: b.kv } : { name: b.name, queue: b.queue })) } : {}),
    ...(envFrom?.length ? { envFrom: envFrom.map((ref) => ({ secretRef: ref.secretRef })) } : {}),
  };
}

export const ScaleRecord = z.object({
  time: z.string(),
  from: z.number().int(),
  to: z.number().int(),
  reason: z.string(),
});
export type ScaleRecord = z.infer<typeof ScaleRecord>;

export const FunctionStatus = z.object({
  latestRevision: z.string(),
  revisionCount: z.number().int(),
  /** Pods the function should run now: set by the autoscaler, kept within spec.scale min..max. */
  desiredReplicas: z.number().int(),
  /** The latest scale decisions, newest last, so `tide describe` can say why it scaled. */
  recentScales: z.array(ScaleRecord),
  /** spec.traffic resolved to revision names (all to the latest when spec.traffic is absent). */
  traffic: z.array(z.object({ revision: z.string(), percent: z.number().int(), tag: z.string().optional() })),
});
export type FunctionStatus = z.infer<typeof FunctionStatus>;

/** A Function as the API serves it: the applied manifest plus what the fold derived. */
export const TideFunction = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Function'),
  metadata: ObjectMeta,
  spec: FunctionSpec,
  status: FunctionStatus,
});
export type TideFunction = z.infer<typeof TideFunction>;

/** An immutable snapshot of a Function's code and configuration, named `<function>-<00001>`. */
export const Revision = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Revision'),
  metadata: ObjectMeta.extend({ namespace: z.string() }),
  spec: RevisionTemplate.extend({ function: z.string(), number: z.number().int() }),
});
export type Revision = z.infer<typeof Revision>;

/** Without cpuLimitMilli a pod may use one core, or its cpuMilli if that is more. */
export const DEFAULT_CPU_CEILING_MILLI = 1000;

/** The CPU quota a pod is held to once started (see FunctionSpec resources.cpuLimitMilli). */
export function cpuCeilingMilli(resources: { cpuMilli: number; cpuLimitMilli?: number | undefined }): number {
  return resources.cpuLimitMilli ?? Math.max(resources.cpuMilli, DEFAULT_CPU_CEILING_MILLI);
}
