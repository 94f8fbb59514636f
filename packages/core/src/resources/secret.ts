import { z } from 'zod';
import { API_VERSION, ObjectMeta, ObjectMetaInput } from './meta.js';

/** A key of a Secret: it becomes an environment variable of the pods that name the secret (envFrom). */
export const secretKey = z
  .string()
  .max(253)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a valid environment variable name');

/** All values of one secret together, as Kubernetes bounds a Secret to 1 MiB: this is an env, not a file store. */
export const SECRET_MAX_BYTES = 64 * 1024;

/**
 * What a client sends (`PUT .../secrets/{name}`): values as plain strings, sealed by the control
 * plane before anything is written. Never stored or returned in this form.
 */
export const SecretManifest = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('Secret'),
    metadata: ObjectMetaInput,
    /** Free text, as Kubernetes' `type` (default Opaque): says what the values are for. */
    type: z.string().max(253).optional(),
    data: z
      .record(secretKey, z.string())
      .refine((data) => Object.keys(data).length <= 256, 'at most 256 keys')
      .refine((data) => secretBytes(data) <= SECRET_MAX_BYTES, `the values together must be at most ${SECRET_MAX_BYTES} bytes`),
  })
  .strict();
export type SecretManifest = z.infer<typeof SecretManifest>;

/** The bytes of a secret's values (UTF-8), the size SECRET_MAX_BYTES bounds. */
export function secretBytes(data: Record<string, string>): number {
  return Object.values(data).reduce((sum, value) => sum + Buffer.byteLength(value, 'utf8'), 0);
}

/**
 * One value sealed with AES-256-GCM (secrets/seal.ts): the id of the key that sealed it, the
 * 12-byte nonce and the ciphertext with its 16-byte tag appended, both base64.
 */
export const SealedValue = z
  .object({
    keyId: z.string().regex(/^[0-9a-f]{16}$/),
    nonce: z.string().regex(/^[A-Za-z0-9+/]{16}$/),
    ciphertext: z.string().max(4 * SECRET_MAX_BYTES),
  })
  .strict();
export type SealedValue = z.infer<typeof SealedValue>;

/** A Secret as the fold keeps it: sealed values only. The API shows its key names and sizes, never these. */
export const Secret = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Secret'),
  metadata: ObjectMeta,
  type: z.string(),
  data: z.record(z.string(), SealedValue),
});
export type Secret = z.infer<typeof Secret>;

export const DEFAULT_SECRET_TYPE = 'Opaque';
