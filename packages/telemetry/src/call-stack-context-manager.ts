import { ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';

/**
 * @opentelemetry/api's context for Tide's own processes: active only during the synchronous part of
 * `context.with`, never across an await. Tide passes contexts explicitly (a span's parent is an
 * argument, a logged event carries its traceparent), so nothing of its own needs the active context
 * to follow async steps. The SDK's default (AsyncLocalStorage) does, and on Node 20 an
 * AsyncLocalStorage once run hooks every promise of the process for good: the SDK's span and metric
 * exporters run one on their first export, after which every await of the gateway's hot path cost
 * about three times as much (the tracing bench: +25 % CPU per call at 1 % sampling).
 */
export class CallStackContextManager implements ContextManager {
  #active: Context = ROOT_CONTEXT;

  active(): Context {
    return this.#active;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(context: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    const outer = this.#active;
    this.#active = context;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.#active = outer;
    }
  }

  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const manager = this;
    const fn = target as unknown as (...args: unknown[]) => unknown;
    return function (this: unknown, ...args: unknown[]) {
      return manager.with(context, () => fn.apply(this, args));
    } as unknown as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.#active = ROOT_CONTEXT;
    return this;
  }
}
