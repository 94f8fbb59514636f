/** What a function receives besides the request (the Cloudflare Workers / hono shape). */
export interface FunctionContext {
  /** Keeps work alive after the response; a draining pod waits for it (up to its timeout). */
  waitUntil(promise: Promise<unknown>): void;
  requestId: string;
  /** Epoch ms after which the caller has been answered 504. */
  deadline: number;
}

export type FetchHandler = (request: Request, env: Record<string, string>, ctx: FunctionContext) => Response | Promise<Response>;

/** A function module: `export default { fetch }` (a hono app works unchanged) or `export default fetchHandler`. */
export interface FunctionModule {
  default: { fetch: FetchHandler } | FetchHandler;
}

export class FunctionModuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FunctionModuleError';
  }
}

/** Finds the fetch handler in an imported module (its namespace object) or in a bare handler object. */
export function resolveHandler(module: unknown): FetchHandler {
  const candidates = [hasKey(module, 'default') ? module.default : undefined, module];
  for (const candidate of candidates) {
    if (typeof candidate === 'function') return candidate as FetchHandler;
    if (hasKey(candidate, 'fetch') && typeof candidate.fetch === 'function') {
      // Called as a method, so handlers that use `this` keep working.
      const target = candidate as { fetch: FetchHandler };
      return (request, env, ctx) => target.fetch(request, env, ctx);
    }
  }
  throw new FunctionModuleError('module has no default export with a fetch(request, env, ctx) method, nor a default function');
}

function hasKey<K extends string>(value: unknown, key: K): value is Record<K, unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && key in value;
}
