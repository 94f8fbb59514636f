import { z } from 'zod';

export const API_VERSION = 'tide.dev/v1';

/** DNS-1123 label, as Kubernetes names namespaces and most objects: safe in paths, hosts and file names. */
export const dnsLabel = z
  .string()
  .min(1, 'must not be empty')
  .max(63, 'must be at most 63 characters')
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be lowercase letters, digits and "-", starting and ending with a letter or digit');

const labelKey = z.string().regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, 'invalid label key');
const labelValue = z
  .string()
  .max(63)
  .regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/, 'invalid label value');

/** What a client may set in metadata. */
export const ObjectMetaInput = z
  .object({
    name: dnsLabel,
    namespace: dnsLabel.optional(),
    labels: z.record(labelKey, labelValue).optional(),
    annotations: z.record(z.string().max(253), z.string().max(4096)).optional(),
    /** Optimistic concurrency: apply only if the object is still at this version ("" or absent = any). */
    resourceVersion: z.string().regex(/^\d*$/, 'must be a decimal log offset').optional(),
  })
  .passthrough();
export type ObjectMetaInput = z.infer<typeof ObjectMetaInput>;

/** Metadata as the fold keeps it. `resourceVersion` = log offset of the event that last changed it. */
export const ObjectMeta = z.object({
  name: z.string(),
  namespace: z.string().optional(),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  uid: z.string(),
  resourceVersion: z.string(),
  generation: z.number().int(),
  creationTimestamp: z.string(),
  /** W3C trace context of the event that last changed it (set by the fold, never by a client). */
  traceparent: z.string().optional(),
});
export type ObjectMeta = z.infer<typeof ObjectMeta>;

export function keyOf(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}
