import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import type { SealedValue } from '../resources/secret.js';

/** A 32-byte AES-256 key with its id: the first 8 bytes of its sha256, hex (never the key itself). */
export interface SecretKey {
  id: string;
  key: Uint8Array;
}

/** The key that seals new values, and older ones still able to open what they sealed (rotation). */
export interface SecretKeyring {
  current: SecretKey;
  previous: readonly SecretKey[];
}

export const SECRET_KEY_BYTES = 32;
export const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export function secretKeyOf(key: Uint8Array): SecretKey {
  if (key.length !== SECRET_KEY_BYTES) throw new RangeError(`a secret key is ${SECRET_KEY_BYTES} bytes, not ${key.length}`);
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 16), key };
}

/**
 * Binds a ciphertext to where it belongs: a value sealed for default/db key PASSWORD does not open
 * as another secret's value or another key's, so whoever can append to the log cannot move it.
 */
export function sealContext(namespace: string, name: string, key: string): Uint8Array {
  return new TextEncoder().encode(`tide.dev/v1/secrets/${namespace}/${name}/${key}`);
}

/** AES-256-GCM with a nonce the caller draws (12 random bytes, never reused with one key). */
export function seal(key: SecretKey, context: Uint8Array, plaintext: string, nonce: Uint8Array): SealedValue {
  if (nonce.length !== NONCE_BYTES) throw new RangeError(`a nonce is ${NONCE_BYTES} bytes, not ${nonce.length}`);
  const cipher = createCipheriv('aes-256-gcm', key.key, nonce);
  cipher.setAAD(context);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { keyId: key.id, nonce: Buffer.from(nonce).toString('base64'), ciphertext: body.toString('base64') };
}

export type OpenResult = { ok: true; value: string } | { ok: false; reason: string };

/**
 * The plaintext of a sealed value, or why not: no key of that id in the keyring, or a ciphertext
 * that does not authenticate (altered, or moved from another secret). Never a wrong value.
 */
export function open(keyring: SecretKeyring, context: Uint8Array, sealed: SealedValue): OpenResult {
  const key = [keyring.current, ...keyring.previous].find((k) => k.id === sealed.keyId);
  if (!key)
    return { ok: false, reason: `it was sealed with key ${sealed.keyId}, which this control plane does not have (TIDE_SECRET_KEY, TIDE_SECRET_KEY_PREVIOUS)` };
  const body = Buffer.from(sealed.ciphertext, 'base64');
  if (body.length < TAG_BYTES) return { ok: false, reason: 'its ciphertext is shorter than a GCM tag' };
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(sealed.nonce, 'base64'));
    decipher.setAAD(context);
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    const value = Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    return { ok: true, value };
  } catch {
    return { ok: false, reason: `its ciphertext does not authenticate under key ${key.id} (altered, or not sealed for this secret and key)` };
  }
}

/** The byte length of the value a sealed one holds: GCM adds only its tag. */
export function sealedBytes(sealed: SealedValue): number {
  return Math.max(0, Math.floor((sealed.ciphertext.length * 3) / 4) - paddingOf(sealed.ciphertext) - TAG_BYTES);
}

function paddingOf(base64: string): number {
  return base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
}
