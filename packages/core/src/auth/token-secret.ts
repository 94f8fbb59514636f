import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A bearer token is `tide_<name>_<64 hex>`: the name finds the stored hash in one lookup (no
 * scan that would time differently per token), the 256 random bits are the secret. Only the
 * sha256 of the secret is stored: a leaked log or snapshot gives no usable token.
 */
const PREFIX = 'tide_';
const SECRET_HEX = 64;

export interface ParsedToken {
  name: string;
  secret: string;
}

export function newTokenSecret(name: string, random: (bytes: number) => Buffer = randomBytes): { token: string; secretHash: string } {
  const secret = random(SECRET_HEX / 2).toString('hex');
  return { token: `${PREFIX}${name}_${secret}`, secretHash: hashSecret(secret) };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Undefined for anything that is not shaped like a token (the caller answers 401, saying so). */
export function parseToken(raw: string): ParsedToken | undefined {
  if (!raw.startsWith(PREFIX) || raw.length > PREFIX.length + 64 + 1 + SECRET_HEX) return undefined;
  const rest = raw.slice(PREFIX.length);
  const cut = rest.lastIndexOf('_');
  if (cut <= 0) return undefined;
  const name = rest.slice(0, cut);
  const secret = rest.slice(cut + 1);
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || !/^[0-9a-f]{64}$/.test(secret)) return undefined;
  return { name, secret };
}

/** Constant-time comparison of the secret's hash with the stored one. */
export function secretMatches(secret: string, secretHash: string): boolean {
  const given = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(secretHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}
