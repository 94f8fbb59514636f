import type { WatchedCall } from './call-slots.js';
import type { FetchHandler, FunctionContext, FunctionEnv } from './function-handler.js';

export interface InvokeOptions {
  env: FunctionEnv;
  timeoutMs: number;
  requestId: string;
  /** Receives every promise the function hands to ctx.waitUntil. */
  waitUntil(promise: Promise<unknown>): void;
  /** The call's slot for the watchdog thread, which answers it instead when this thread is stuck. */
  watch?: WatchedCall;
}

/** Thrown into request.signal when the caller has been answered 504. */
export class FunctionTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(timeoutMessage(timeoutMs));
    this.name = 'TimeoutError';
  }
}

/**
 * Calls the function and always settles with a Response: the function's own, 500 when it throws or
 * returns something else, 504 when it has not answered within timeoutMs (request.signal is then
 * aborted so the function can stop working). The timeout covers the time to the Response, not to
 * the end of a streamed body.
 */
export async function invokeFunction(handler: FetchHandler, request: Request, options: InvokeOptions): Promise<Response> {
  const deadline = Date.now() + options.timeoutMs;
  const timeout = new AbortController();
  linkSignal(request, timeout.signal);
  let passThrough = false;
  const ctx: FunctionContext = {
    waitUntil: options.waitUntil,
    passThroughOnException: () => {
      passThrough = true;
    },
    requestId: options.requestId,
    deadline,
  };
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const { watch } = options;
  const answered = callHandler(handler, request, options.env, ctx, () => passThrough).then((response) => {
    // False only when the watchdog answered 504 on the socket: this pod is about to end.
    const mine = watch?.answered() ?? true;
    if (timedOut || !mine) void response.body?.cancel().catch(() => {}); // nobody will read it
    return mine ? response : new Promise<Response>(() => {});
  });
  const expired = new Promise<Response>((resolve) => {
    timer = setTimeout(() => {
      if (watch && !watch.timedOut()) return; // the watchdog answered already
      timedOut = true;
      const error = new FunctionTimeoutError(options.timeoutMs);
      timeout.abort(error);
      resolve(textResponse(504, error.message));
    }, options.timeoutMs);
  });
  try {
    return await Promise.race([answered, expired]);
  } finally {
    clearTimeout(timer);
  }
}

async function callHandler(handler: FetchHandler, request: Request, env: FunctionEnv, ctx: FunctionContext, passThrough: () => boolean): Promise<Response> {
  let result: unknown;
  try {
    result = await handler(request, env, ctx);
  } catch (error) {
    // The caller learns what went wrong, the stack goes to the pod's log only.
    logError(ctx.requestId, error);
    if (passThrough()) return textResponse(502, `function threw ${describeError(error)} after passThroughOnException(): ${NO_ORIGIN}`);
    return textResponse(500, `function threw ${describeError(error)}`);
  }
  if (isResponse(result)) return result;
  const description = `function returned ${describeValue(result)}, not a Response`;
  process.stderr.write(`request ${ctx.requestId} failed: ${description}\n`);
  return textResponse(500, description);
}

/** Workers would fetch the request from the origin; Tide runs the function as the origin itself. */
const NO_ORIGIN = 'a Tide function has no origin to pass the request through to';

/** The stack to the pod's log (mapped to the function's sources, see source-mapped-stacks.ts). */
export function logError(requestId: string, error: unknown): void {
  process.stderr.write(`request ${requestId} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
}

/** Makes request.signal abort also when `extra` aborts, without building a full Request up front. */
function linkSignal(request: Request, extra: AbortSignal): void {
  const getter = findGetter(request, 'signal');
  if (!getter) return;
  let combined: AbortSignal | undefined;
  try {
    Object.defineProperty(request, 'signal', {
      configurable: true,
      get: () => (combined ??= AbortSignal.any([getter.call(request) as AbortSignal, extra])),
    });
  } catch {
    // A frozen request keeps its own signal; the 504 still reaches the caller.
  }
}

function findGetter(object: object, key: string): (() => unknown) | undefined {
  for (let proto: object | null = object; proto; proto = Object.getPrototypeOf(proto)) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, key);
    if (descriptor) return descriptor.get;
  }
  return undefined;
}

/** True for the global Response, @hono/node-server's lightweight one and undici's (from fetch). */
function isResponse(value: unknown): value is Response {
  return value instanceof Response || Object.prototype.toString.call(value) === '[object Response]';
}

export function textResponse(status: number, text: string): Response {
  return new Response(text, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return describeValue(error);
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`;
  return `a ${typeof value}`;
}

/** What the caller of a call past its timeout reads (from this thread or from the watchdog). */
export function timeoutMessage(timeoutMs: number): string {
  return `function timed out after ${formatSeconds(timeoutMs)}`;
}

export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}
