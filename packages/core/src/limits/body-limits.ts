import type { FunctionSpec } from '../resources/function.js';

/** Lambda's limit on a synchronous call's payload, each way: 6 MB. */
export const DEFAULT_BODY_LIMIT_BYTES = 6 * 1024 * 1024;

export interface BodyLimits {
  requestBodyBytes: number;
  responseBodyBytes: number;
}

/** A function's body limits: its spec.limits, each absent field Lambda's 6 MB. */
export function bodyLimitsOf(spec: Pick<FunctionSpec, 'limits'>): BodyLimits {
  return {
    requestBodyBytes: spec.limits?.requestBodyBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    responseBodyBytes: spec.limits?.responseBodyBytes ?? DEFAULT_BODY_LIMIT_BYTES,
  };
}

export type BodyVerdict = { kind: 'within' } | { kind: 'over'; message: string };

/**
 * Whether `bytes` (a declared Content-Length, or what has streamed so far) breaks a limit of
 * `limitBytes`; the message names the limit, so a caller knows what to change.
 */
export function checkBodySize(what: string, bytes: number, limitBytes: number, whose: string): BodyVerdict {
  if (bytes <= limitBytes) return { kind: 'within' };
  return { kind: 'over', message: `${what} of ${bytes} bytes or more exceeds the limit of ${limitBytes} bytes for ${whose}` };
}
