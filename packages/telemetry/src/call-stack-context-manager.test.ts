import { describe, expect, it } from 'vitest';
import { createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import { CallStackContextManager } from './call-stack-context-manager.js';

const key = createContextKey('test');

describe('CallStackContextManager', () => {
  it('makes a context active for the synchronous part of with, nested and restored, even when fn throws', () => {
    const manager = new CallStackContextManager();
    const outer = ROOT_CONTEXT.setValue(key, 'outer');
    const inner = ROOT_CONTEXT.setValue(key, 'inner');
    const seen = manager.with(outer, () => [
      manager.active().getValue(key),
      manager.with(inner, () => manager.active().getValue(key)),
      manager.active().getValue(key),
    ]);
    expect(seen).toEqual(['outer', 'inner', 'outer']);
    expect(() =>
      manager.with(outer, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(manager.active()).toBe(ROOT_CONTEXT);
  });

  it('passes thisArg and arguments, and bound functions run in their context', () => {
    const manager = new CallStackContextManager();
    const ctx = ROOT_CONTEXT.setValue(key, 'bound');
    const self = { n: 2 };
    expect(
      manager.with(
        ROOT_CONTEXT,
        function (this: typeof self, a: number) {
          return this.n * a;
        },
        self,
        21,
      ),
    ).toBe(42);
    const bound = manager.bind(ctx, () => manager.active().getValue(key));
    expect(bound()).toBe('bound');
    expect(manager.bind(ctx, 'not a function')).toBe('not a function');
  });

  it('does not follow an await: Tide passes contexts explicitly, and following them would hook every promise', async () => {
    const manager = new CallStackContextManager();
    const ctx = ROOT_CONTEXT.setValue(key, 'call');
    const after = await manager.with(ctx, async () => {
      expect(manager.active().getValue(key)).toBe('call');
      await null;
      return manager.active().getValue(key);
    });
    expect(after).toBeUndefined();
  });
});
