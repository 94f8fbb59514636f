import { z } from 'zod';
import { API_VERSION, ObjectMeta } from './meta.js';
import { RevisionTemplate } from './function.js';
import { PodIsolation } from './pod-isolation.js';

/**
 * Pending → Bound → Starting → Ready; Exited while waiting to restart; Terminating once deletion is
 * requested; the object is removed when its node reports it stopped.
 */
export const PodPhase = z.enum(['Pending', 'Bound', 'Starting', 'Ready', 'Exited', 'Terminating']);
export type PodPhase = z.infer<typeof PodPhase>;

export const PodSpec = RevisionTemplate.extend({
  function: z.string(),
  revision: z.string(),
  node: z.string().optional(),
  terminationGraceSeconds: z.number(),
});
export type PodSpec = z.infer<typeof PodSpec>;

export const PodStatus = z.object({
  phase: PodPhase,
  endpoint: z.string().optional(),
  reason: z.string().optional(),
  restartCount: z.number().int(),
  exitCode: z.number().int().nullable().optional(),
  nextRestartAt: z.number().optional(),
  /** The node incarnation (boot id) whose agent last reported this pod. */
  nodeBootId: z.string().optional(),
  /** Set while a pod that keeps exiting waits for its next restart. */
  waiting: z.literal('CrashLoopBackOff').optional(),
  /** Why no node can take a Pending pod, one reason per node, as the scheduler last found. */
  unschedulable: z.array(z.string()).optional(),
});
export type PodStatus = z.infer<typeof PodStatus>;

export const Pod = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Pod'),
  metadata: ObjectMeta.extend({ namespace: z.string(), deletionTimestamp: z.string().optional() }),
  spec: PodSpec,
  status: PodStatus,
});
export type Pod = z.infer<typeof Pod>;

export const NodeCapacity = z.object({ memoryMb: z.number().int().positive(), cpuMilli: z.number().int().positive(), pods: z.number().int().positive() });
export type NodeCapacity = z.infer<typeof NodeCapacity>;

export const Taint = z.object({ key: z.string().min(1).max(253), value: z.string().max(63).optional(), effect: z.enum(['NoSchedule', 'NoExecute']) }).strict();
export type Taint = z.infer<typeof Taint>;

export const TideNode = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Node'),
  metadata: ObjectMeta,
  spec: z.object({
    capacity: NodeCapacity,
    address: z.string(),
    taints: z.array(Taint),
    /** Cordoned: no new pods are scheduled here (`tide cordon`). */
    unschedulable: z.boolean(),
    /** How its agent isolates pods (absent: registered by an agent that did not say). */
    isolation: PodIsolation.optional(),
  }),
  status: z.object({ ready: z.boolean(), bootId: z.string(), reason: z.string().optional() }),
});
export type TideNode = z.infer<typeof TideNode>;
