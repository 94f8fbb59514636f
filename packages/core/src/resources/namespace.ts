import { z } from 'zod';
import { API_VERSION, ObjectMeta, ObjectMetaInput } from './meta.js';

export const NamespaceManifest = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('Namespace'),
    metadata: ObjectMetaInput,
    spec: z.object({}).strict().default({}),
  })
  .strict();
export type NamespaceManifest = z.infer<typeof NamespaceManifest>;

export const Namespace = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Namespace'),
  metadata: ObjectMeta,
  spec: z.object({}),
});
export type Namespace = z.infer<typeof Namespace>;
