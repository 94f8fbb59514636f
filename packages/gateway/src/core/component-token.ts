import { createHash, timingSafeEqual } from 'node:crypto';

/** The request header by which Tide's own components (the triggers process) prove who they are. */
export const COMPONENT_TOKEN_HEADER = 'tide-component-token';

/**
 * Whether a request's `tide-component-token` equals the gateway's token. Both sides are hashed
 * first, so the comparison takes the same time whatever the length of what a caller sent
 * (timingSafeEqual alone throws on unequal lengths, which would tell the token's length).
 */
export function isComponentCall(sent: string | string[] | undefined, token: string | undefined): boolean {
  if (token === undefined || token === '' || typeof sent !== 'string') return false;
  return timingSafeEqual(digest(sent), digest(token));
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
