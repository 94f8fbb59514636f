import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { open, seal, sealContext, sealedBytes, secretKeyOf, type SecretKeyring } from './seal.js';

const keyA = secretKeyOf(new Uint8Array(32).fill(1));
const keyB = secretKeyOf(new Uint8Array(32).fill(2));
const nonce = new Uint8Array(12).fill(7);
const where = sealContext('default', 'db', 'PASSWORD');
const ring = (current = keyA, ...previous: (typeof keyA)[]): SecretKeyring => ({ current, previous });

describe('sealing secret values (AES-256-GCM)', () => {
  it('opens what it sealed, with the key id and sizes it says', () => {
    const sealed = seal(keyA, where, 'hunter2 ✓', nonce);
    expect(sealed.keyId).toBe(keyA.id);
    expect(sealed.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(open(ring(), where, sealed)).toEqual({ ok: true, value: 'hunter2 ✓' });
    expect(sealedBytes(sealed)).toBe(Buffer.byteLength('hunter2 ✓'));
    expect(sealedBytes(seal(keyA, where, '', nonce))).toBe(0);
  });

  it('never carries the plaintext, in any encoding', () => {
    const value = randomBytes(24).toString('hex');
    const sealed = JSON.stringify(seal(keyA, where, value, randomBytes(12)));
    for (const form of [value, Buffer.from(value).toString('base64'), Buffer.from(value).toString('hex')]) expect(sealed).not.toContain(form);
  });

  it('refuses a value moved to another secret, key or namespace (the AAD binds it)', () => {
    const sealed = seal(keyA, where, 'x', nonce);
    for (const [ns, name, key] of [
      ['default', 'db', 'USER'],
      ['default', 'cache', 'PASSWORD'],
      ['other', 'db', 'PASSWORD'],
    ] as const) {
      const result = open(ring(), sealContext(ns, name, key), sealed);
      expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('does not authenticate') });
    }
  });

  it('refuses an altered ciphertext rather than answer garbage', () => {
    const sealed = seal(keyA, where, 'value', nonce);
    const bytes = Buffer.from(sealed.ciphertext, 'base64');
    bytes[0]! ^= 1;
    expect(open(ring(), where, { ...sealed, ciphertext: bytes.toString('base64') }).ok).toBe(false);
    expect(open(ring(), where, { ...sealed, ciphertext: '' }).ok).toBe(false);
  });

  it('opens with a previous key after rotation, and names the key it lacks', () => {
    const old = seal(keyA, where, 'v', nonce);
    expect(open(ring(keyB, keyA), where, old)).toEqual({ ok: true, value: 'v' });
    expect(open(ring(keyB), where, old)).toEqual({ ok: false, reason: expect.stringContaining(`key ${keyA.id}`) });
  });

  it('takes only 32-byte keys and 12-byte nonces', () => {
    expect(() => secretKeyOf(new Uint8Array(16))).toThrow(/32 bytes/);
    expect(() => seal(keyA, where, 'x', new Uint8Array(8))).toThrow(/12 bytes/);
  });
});
