import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { ASYNC_MAX_BODY_BYTES, callbackUrlProblem, encodeAsyncInvocation, INVOCATIONS_TOPIC, type AsyncInvocation } from '@tide/core';
import { upstreamHeaders } from './core/forwarded-headers.js';
import { ASYNC_HEADER, parseAsyncTarget, type AsyncTarget } from './core/parse-async-target.js';
import { sendError } from './error-response.js';
import type { MetricsLog } from './load-reporter.js';
import type { RouteTable } from './route-table.js';
import type { InvocationLimit } from './gateway.js';
import type { InvocationGate } from './invocation-gate.js';

export interface AsyncCallsOptions {
  routes: RouteTable;
  /** The platform's log: calls are appended to tide.invocations (resolves once durable). */
  log: MetricsLog;
  domain?: string;
  now?: () => number;
  newId?: () => string;
  /** The namespace's invocation bucket, the one synchronous calls draw on: an async call is counted when accepted. */
  invocationLimit?: InvocationLimit;
  /** The check of a caller's token for `access: token` functions, as synchronous calls have it: made when the call is accepted. */
  gate?: InvocationGate;
}

export interface AsyncCalls {
  /** Takes `/async/...` (and host routes with X-Tide-Async: true) and returns true; false for any other request. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

const CALLBACK_HEADER = 'x-callback-url';
/** Headers that steer the platform, or travel beside the call (trace context), not in its headers. */
const NOT_KEPT = new Set([CALLBACK_HEADER, ASYNC_HEADER, 'traceparent', 'tracestate', 'content-length']);

/**
 * Async calls (Lambda's `InvocationType: Event`, OpenFaaS's /async-function): the call is stored on
 * tide.invocations and answered 202 with its activation id only once the append is durable, so a
 * 202 is a promise the triggers process's async worker keeps. The function runs later, with retries.
 */
export function createAsyncCalls(options: AsyncCallsOptions): AsyncCalls {
  const now = options.now ?? Date.now;
  const newId = options.newId ?? randomUUID;
  return {
    handle(req, res) {
      const url = req.url;
      if (url === undefined) return false;
      const target = parseAsyncTarget(url, req.headers.host, req.headers[ASYNC_HEADER], options.domain);
      if (target === undefined) return false;
      accept(req, res, target, options, now, newId).catch((error: Error) => {
        if (!res.headersSent) sendError(res, 503, `async call to ${url} was not stored: ${error.message}`, 1);
      });
      return true;
    },
  };
}

async function accept(
  req: IncomingMessage,
  res: ServerResponse,
  target: AsyncTarget,
  options: AsyncCallsOptions,
  now: () => number,
  newId: () => string,
): Promise<void> {
  if (target.kind === 'invalid') return refuse(req, res, 400, target.message);
  const route = options.routes.lookup(target.namespace, target.name);
  if (route === undefined) return refuse(req, res, 404, `function ${target.namespace}/${target.name} not found`);
  const gated = route.access === 'token' ? options.gate?.(target, req.headers.authorization, req.socket.remoteAddress ?? 'unknown') : undefined;
  if (gated !== undefined) return refuse(req, res, gated.status, gated.message, gated.retryAfterSeconds, gated.headers);
  const callbackUrl = single(req.headers[CALLBACK_HEADER]);
  const problem = callbackUrl === undefined ? undefined : callbackUrlProblem(callbackUrl);
  if (problem !== undefined) return refuse(req, res, 400, problem);
  const limited = options.invocationLimit?.(target.namespace);
  if (limited?.kind === 'limited') return refuse(req, res, 429, limited.message, limited.retryAfterSeconds);
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > ASYNC_MAX_BODY_BYTES) return refuse(req, res, 413, tooLarge(target));
  const body = await readBody(req, ASYNC_MAX_BODY_BYTES);
  if (body === undefined) return refuse(req, res, 413, tooLarge(target));
  const id = newId();
  const traceparent = single(req.headers.traceparent);
  const tracestate = single(req.headers.tracestate);
  const invocation: AsyncInvocation = {
    kind: 'async-invocation',
    id,
    namespace: target.namespace,
    function: target.name,
    method: req.method ?? 'POST',
    path: target.path,
    headers: keptHeaders(req, target),
    body: body.toString('base64'),
    ...(callbackUrl === undefined ? {} : { callbackUrl }),
    ...(traceparent === undefined ? {} : { traceparent }),
    ...(tracestate === undefined ? {} : { tracestate }),
    receivedAt: now(),
  };
  await options.log.append(INVOCATIONS_TOPIC, [{ value: encodeAsyncInvocation(invocation), key: `${target.namespace}/${target.name}` }]);
  const answer = JSON.stringify({ activationId: id });
  res.writeHead(202, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(answer),
    'x-activation-id': id,
    location: `/apis/tide.dev/v1/namespaces/${target.namespace}/activations/${id}`,
  });
  res.end(answer);
}

function tooLarge(target: { namespace: string; name: string }): string {
  return `async call to ${target.namespace}/${target.name}: body larger than ${ASYNC_MAX_BODY_BYTES} bytes (256 KiB, the limit of an async call)`;
}

/** Answers, then reads what is left of the body so the connection can be kept. */
function refuse(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  message: string,
  retryAfterSeconds?: number,
  headers?: Readonly<Record<string, string>>,
): void {
  sendError(res, status, message, retryAfterSeconds, false, headers);
  req.resume();
}

/** The body, or undefined once it grows past `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        resolve(undefined);
      } else chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The caller's end-to-end headers as the function will get them (x-forwarded-* included), repeated ones joined. */
function keptHeaders(req: IncomingMessage, target: { prefix: string }): Record<string, string> {
  const flat = upstreamHeaders(req.rawHeaders, {
    remoteAddress: req.socket.remoteAddress,
    proto: (req.socket as TLSSocket).encrypted === true ? 'https' : 'http',
    prefix: target.prefix,
  });
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = (flat[i] as string).toLowerCase();
    if (NOT_KEPT.has(name)) continue;
    headers[name] = headers[name] === undefined ? (flat[i + 1] as string) : `${headers[name]}, ${flat[i + 1]}`;
  }
  return headers;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
