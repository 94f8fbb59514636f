import type { IncomingMessage } from 'node:http';
import { type BodyLimits, checkBodySize, DEFAULT_BODY_LIMIT_BYTES } from '@tide/core';
import type { FunctionRoute } from './route-table.js';

/** A route's body limits; a route built without them (tests, older tables) gets Lambda's 6 MB each way. */
export function routeLimits(route: FunctionRoute): BodyLimits {
  return route.limits ?? { requestBodyBytes: DEFAULT_BODY_LIMIT_BYTES, responseBodyBytes: DEFAULT_BODY_LIMIT_BYTES };
}

/** 413 at once when the request's Content-Length is over the function's limit (nothing of it is read). */
export function declaredBodyRefusal(req: IncomingMessage, route: FunctionRoute): { status: number; message: string; retryAfterSeconds?: number } | undefined {
  const declared = req.headers['content-length'];
  if (declared === undefined) return undefined;
  const verdict = checkBodySize('request body', Number(declared), routeLimits(route).requestBodyBytes, whose(route));
  return verdict.kind === 'over' ? { status: 413, message: `${verdict.message} (spec.limits.requestBodyBytes)` } : undefined;
}

export class BodyTooLargeError extends Error {
  constructor(
    message: string,
    readonly limitBytes: number,
  ) {
    super(message);
    this.name = 'BodyTooLargeError';
  }
}

/**
 * The request body as it streams to the pod, counted: past `limitBytes` it throws, which aborts
 * the upstream request (a chunked body has no Content-Length to check up front). Nothing is buffered.
 */
export async function* countedBody(req: IncomingMessage, limitBytes: number, functionKey: string): AsyncGenerator<Buffer> {
  let bytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    const verdict = checkBodySize('request body', bytes, limitBytes, `function ${functionKey}`);
    if (verdict.kind === 'over') throw new BodyTooLargeError(`${verdict.message} (spec.limits.requestBodyBytes)`, limitBytes);
    yield chunk;
  }
}

function whose(route: FunctionRoute): string {
  return `function ${route.namespace}/${route.name}`;
}
