import { z } from 'zod';
import { API_VERSION, ObjectMeta, ObjectMetaInput } from './meta.js';

/** Limits on what a namespace (a tenant) may use; absent fields are unlimited. */
export const NamespaceQuota = z
  .object({
    maxPods: z.number().int().min(0).max(100_000).optional(),
    maxMemoryMb: z.number().int().min(0).max(10_000_000).optional(),
    maxFunctions: z.number().int().min(0).max(100_000).optional(),
    /**
     * Token buckets per namespace: API writes and gateway invocations per second, and the bursts
     * above them (default one second's worth). Absent: unlimited. Anyone who may write the
     * Namespace may set these today; only admins may once roles exist (issue 12).
     */
    writesPerSecond: z.number().min(0.001).max(1_000_000).optional(),
    writesBurst: z.number().int().min(1).max(1_000_000).optional(),
    invocationsPerSecond: z.number().min(0.001).max(1_000_000).optional(),
    invocationsBurst: z.number().int().min(1).max(1_000_000).optional(),
    /** Bytes of the distinct artifacts uploaded for the namespace (and not yet garbage-collected). */
    maxArtifactBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  })
  .strict();
export type NamespaceQuota = z.infer<typeof NamespaceQuota>;

export const NamespaceSpec = z.object({ quota: NamespaceQuota.optional() }).strict();

export const NamespaceManifest = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('Namespace'),
    metadata: ObjectMetaInput,
    spec: NamespaceSpec.default({}),
  })
  .strict();
export type NamespaceManifest = z.infer<typeof NamespaceManifest>;

export const Namespace = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Namespace'),
  metadata: ObjectMeta,
  spec: NamespaceSpec,
});
export type Namespace = z.infer<typeof Namespace>;
