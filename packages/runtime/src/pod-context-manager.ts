import { AsyncLocalStorage } from 'node:async_hooks';
import { type Context, type ContextManager, ROOT_CONTEXT } from '@opentelemetry/api';

/**
 * @opentelemetry/api's context on AsyncLocalStorage, as @opentelemetry/context-async-hooks's
 * AsyncLocalStorageContextManager does. Not that package: it is CommonJS and requires its own
 * copy of the API and node:async_hooks, which in the runtime's single ESM bundle would mean a
 * second copy of the API and a `require` shim (+75 KB to parse at every pod start). `bind` binds
 * functions; an EventEmitter is returned as it is (its listeners run in the context they were added in).
 */
export class PodContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>();

  active(): Context {
    return this.#storage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(context: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    const run = thisArg === undefined ? fn : fn.bind(thisArg);
    return this.#storage.run(context, run, ...args);
  }

  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const manager = this;
    const fn = target as unknown as (...args: unknown[]) => unknown;
    return function (this: unknown, ...args: unknown[]) {
      return manager.with(context, () => fn.apply(this, args));
    } as unknown as T;
  }

  /**
   * No traced work is left: the storage is disabled so that it stops hooking every async step (see
   * trackTracedWork); the next `with` enables it again.
   */
  idle(): void {
    this.#storage.disable();
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.#storage.disable();
    return this;
  }
}
