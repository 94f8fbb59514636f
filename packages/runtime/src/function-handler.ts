import type { MessageBatch, ScheduledController } from './function-events.js';

/** What a function receives besides the request (the Cloudflare Workers / hono shape). */
export interface FunctionContext {
  /** Keeps work alive after the response; a draining pod waits for it (up to its timeout). */
  waitUntil(promise: Promise<unknown>): void;
  /**
   * Workers would send the request on to the origin if the handler then throws. A Tide function has
   * no origin behind it, so the caller is answered 502 naming that instead of the usual 500.
   */
  passThroughOnException(): void;
  requestId: string;
  /** Epoch ms after which the caller has been answered 504. */
  deadline: number;
}

/** Vars and secrets (strings) and bindings (objects such as a KV namespace). */
export type FunctionEnv = Record<string, unknown>;
export type FetchHandler = (request: Request, env: FunctionEnv, ctx: FunctionContext) => Response | Promise<Response>;
export type ScheduledHandler = (controller: ScheduledController, env: FunctionEnv, ctx: FunctionContext) => unknown;
export type QueueHandler = (batch: MessageBatch, env: FunctionEnv, ctx: FunctionContext) => unknown;

/** The handlers a module offers (a Workers module: any subset of fetch, scheduled and queue, at least one). */
export interface FunctionHandlers {
  fetch?: FetchHandler;
  scheduled?: ScheduledHandler;
  queue?: QueueHandler;
}

/** A function module: `export default { fetch, scheduled, queue }` (a hono app works unchanged) or `export default fetchHandler`. */
export interface FunctionModule {
  default: { fetch?: FetchHandler; scheduled?: ScheduledHandler; queue?: QueueHandler } | FetchHandler;
}

export class FunctionModuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FunctionModuleError';
  }
}

/** The pod's exit reason says this after `import failed: ` (the CLI shows it as the deploy's failure). */
export const NO_HANDLER_MESSAGE = 'module has no fetch, scheduled or queue handler';

const HANDLER_NAMES = ['fetch', 'scheduled', 'queue'] as const;

/** Finds the handlers in an imported module (its namespace object) or in a bare handler object. */
export function resolveHandlers(module: unknown): FunctionHandlers {
  const candidates = [hasKey(module, 'default') ? module.default : undefined, module];
  for (const candidate of candidates) {
    if (typeof candidate === 'function') return { fetch: candidate as FetchHandler };
    const handlers: FunctionHandlers = {};
    for (const name of HANDLER_NAMES) {
      if (!hasKey(candidate, name) || typeof candidate[name] !== 'function') continue;
      const target = candidate as Record<string, (...args: unknown[]) => unknown>;
      // Called as a method, so handlers that use `this` (a hono app's fetch) keep working.
      (handlers as Record<string, unknown>)[name] = (...args: unknown[]) => target[name]?.(...args);
    }
    if (Object.keys(handlers).length > 0) return handlers;
  }
  throw new FunctionModuleError(NO_HANDLER_MESSAGE);
}

function hasKey<K extends string>(value: unknown, key: K): value is Record<K, unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && key in value;
}
