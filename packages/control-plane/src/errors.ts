import type { RejectionCode } from '@tide/core';
import type { ZodError } from 'zod';

export interface Cause {
  field: string;
  message: string;
}

/** An expected failure of an API call: carries the HTTP status and a message that names the problem. */
export class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 422 | 429 | 500 | 503,
    readonly reason: string,
    message: string,
    readonly causes: Cause[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toStatus() {
    return {
      apiVersion: 'v1',
      kind: 'Status',
      status: 'Failure',
      code: this.status,
      reason: this.reason,
      message: this.message,
      ...(this.causes.length ? { details: { causes: this.causes } } : {}),
    };
  }
}

/** The one table from the fold's rejection codes to HTTP. */
const statusOfRejection: Record<RejectionCode, { status: 400 | 403 | 404 | 409 | 503; reason: string }> = {
  forbidden: { status: 403, reason: 'Forbidden' },
  conflict: { status: 409, reason: 'Conflict' },
  'already-exists': { status: 409, reason: 'AlreadyExists' },
  duplicate: { status: 409, reason: 'Conflict' },
  'not-found': { status: 404, reason: 'NotFound' },
  invalid: { status: 400, reason: 'BadRequest' },
  // This process cannot fold the log's rules (it must be upgraded): another control plane can serve.
  'unsupported-rules': { status: 503, reason: 'ServiceUnavailable' },
};

export function rejectionError(code: RejectionCode, message: string): ApiError {
  const { status, reason } = statusOfRejection[code];
  return new ApiError(status, reason, message);
}

export function invalid(kind: string, error: ZodError, pathPrefix = ''): ApiError {
  const causes = error.issues.map((issue) => ({
    field: [pathPrefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(root)',
    message: issue.message,
  }));
  const summary = causes.map((c) => `${c.field}: ${c.message}`).join('; ');
  return new ApiError(422, 'Invalid', `${kind} is invalid: ${summary}`, causes);
}

/** 429: the namespace is over a rate in its quota; the answer carries Retry-After. */
export class RateLimitedError extends ApiError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(429, 'TooManyRequests', message);
    this.name = 'RateLimitedError';
  }
}
