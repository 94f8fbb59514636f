import { keyOf, SecretManifest, seal, sealContext, DEFAULT_SECRET_TYPE, type SealedValue, type SecretKeyring } from '@tide/core';
import { ApiError, invalid } from './errors.js';
import { appendConditional, versionIn, type CommandContext } from './commands.js';
import { openSecret, secretsToReseal, shownSecret } from './core/secret-view.js';

/** What sealing needs besides the values: the keys, and 12 random bytes per value (never reused). */
export interface Sealer {
  keyring: SecretKeyring;
  nonce: () => Uint8Array;
}

function sealAll(sealer: Sealer, namespace: string, name: string, values: Record<string, string>): Record<string, SealedValue> {
  return Object.fromEntries(
    Object.entries(values).map(([key, value]) => [key, seal(sealer.keyring.current, sealContext(namespace, name, key), value, sealer.nonce())]),
  );
}

/** PUT a Secret: its values are sealed here, before anything is written; the answer shows key names and sizes. */
export async function applySecret(ctx: CommandContext, sealer: Sealer, namespace: string, body: unknown) {
  const parsed = SecretManifest.safeParse(body);
  if (!parsed.success) throw invalid('Secret', parsed.error);
  if (!ctx.store.state().namespaces.get(namespace)) throw new ApiError(404, 'NotFound', `namespace ${namespace} not found`);
  const { name, labels = {}, annotations = {}, resourceVersion } = parsed.data.metadata;
  const key = keyOf(namespace, name);
  const data = sealAll(sealer, namespace, name, parsed.data.data);
  const type = parsed.data.type ?? DEFAULT_SECRET_TYPE;
  const { existed } = await appendConditional(
    ctx,
    resourceVersion || undefined,
    (s) => versionIn(s.secrets, key),
    (expect) => ({ type: 'SecretApplied', data: { namespace, name, labels, annotations, type, data }, expect }),
  );
  return { object: shownSecret(ctx.store.state().secrets.get(key)!), created: !existed };
}

export async function deleteSecret(ctx: CommandContext, namespace: string, name: string) {
  const key = keyOf(namespace, name);
  const existing = ctx.store.state().secrets.get(key);
  if (!existing) throw new ApiError(404, 'NotFound', `secret ${key} not found`);
  await appendConditional(
    ctx,
    undefined,
    (s) => versionIn(s.secrets, key),
    (expect) => ({ type: 'SecretDeleted', data: { namespace, name }, expect }),
  );
  return shownSecret(existing);
}

/**
 * Rotation: every secret with a value sealed by another key than the current one is sealed again
 * with the current key, as a new SecretApplied expecting the version it read (a concurrent change
 * wins; run it again). A secret no key here opens is named in `failed`, and left as it is.
 */
export async function reencryptSecrets(ctx: CommandContext, sealer: Sealer) {
  const resealed: string[] = [];
  const failed: { secret: string; reason: string }[] = [];
  for (const secret of secretsToReseal(ctx.store.state(), sealer.keyring)) {
    const { namespace = '', name, labels, annotations, resourceVersion } = secret.metadata;
    const opened = openSecret(sealer.keyring, secret);
    if (!opened.ok) {
      failed.push({ secret: keyOf(namespace, name), reason: opened.reason });
      continue;
    }
    const data = sealAll(sealer, namespace, name, opened.values);
    try {
      await appendConditional(
        ctx,
        resourceVersion,
        () => undefined,
        (expect) => ({
          type: 'SecretApplied',
          data: { namespace, name, labels, annotations, type: secret.type, data },
          expect,
        }),
      );
      resealed.push(keyOf(namespace, name));
    } catch (error) {
      failed.push({ secret: keyOf(namespace, name), reason: (error as Error).message });
    }
  }
  return { keyId: sealer.keyring.current.id, resealed, failed };
}
