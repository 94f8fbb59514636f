import { z } from 'zod';
import { API_VERSION, ObjectMetaInput, type ObjectMeta } from './meta.js';

export const NamespaceManifest = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('Namespace'),
    metadata: ObjectMetaInput,
    spec: z.object({}).strict().default({}),
  })
  .strict();
export type NamespaceManifest = z.infer<typeof NamespaceManifest>;

export interface Namespace {
  apiVersion: typeof API_VERSION;
  kind: 'Namespace';
  metadata: ObjectMeta;
  spec: Record<string, never>;
}
