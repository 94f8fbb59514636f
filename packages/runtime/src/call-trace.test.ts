import { describe, expect, it } from 'vitest';
import { currentCallTrace, trackTracedWork, withCallTrace } from './call-trace.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('call scopes between traced calls', () => {
  it('keep a call its trace while any traced work is left, and serve the next traced call after all of it settled', async () => {
    const a = deferred();
    const b = deferred();
    trackTracedWork(a.promise);
    trackTracedWork(b.promise);
    const seen: (string | undefined)[] = [];
    const callA = withCallTrace({ trace: { traceparent: 'A' } }, async () => {
      await b.promise; // the other traced call ends meanwhile
      await new Promise((r) => setImmediate(r));
      seen.push(currentCallTrace()?.traceparent);
    });
    withCallTrace({ trace: { traceparent: 'B' } }, () => b.resolve());
    await callA;
    a.resolve();
    await a.promise;
    await new Promise((r) => setImmediate(r));
    // Nothing traced is left: the scopes are off, and the next traced call turns them on again.
    expect(currentCallTrace()).toBeUndefined();
    const next = deferred();
    trackTracedWork(next.promise);
    const later = await withCallTrace({ trace: { traceparent: 'C' } }, async () => {
      await new Promise((r) => setImmediate(r));
      return currentCallTrace()?.traceparent;
    });
    next.resolve();
    expect(seen).toEqual(['A']);
    expect(later).toBe('C');
  });
});
