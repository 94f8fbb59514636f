import { applyKvRecord, emptyKvView } from '@tide/core';
import type { KvCallMessage, KvOperation } from '@tide/runtime';
import { describe, expect, it } from 'vitest';
import { decideKvCall, type KvCaller } from './kv-call.js';

const caller: KvCaller = { pod: 'default.app-1', namespace: 'default', functionName: 'app', bindings: [{ name: 'CACHE', kv: 'my-kv' }] };
const NOW = 1_800_000_000_000;
const call = (operation: KvOperation, binding = 'CACHE'): KvCallMessage => ({ type: 'kv', id: 1, binding, ...operation });
const value = Buffer.from('v').toString('base64');

describe('decideKvCall', () => {
  it('refuses a binding the function does not have, naming function and binding', () => {
    expect(decideKvCall(call({ op: 'get', key: 'a' }, 'OTHER'), caller, emptyKvView(), NOW)).toEqual({
      type: 'refuse',
      error: 'function default/app has no KV binding named OTHER (add it to spec.bindings)',
    });
  });

  it('turns a put into a record of the bound KV namespace in the pod’s namespace', () => {
    expect(decideKvCall(call({ op: 'put', key: 'a', value, metadata: { m: 1 } }), caller, emptyKvView(), NOW)).toEqual({
      type: 'append',
      record: { namespace: 'default', kv: 'my-kv', key: 'a', value, metadata: { m: 1 } },
    });
  });

  it('turns expirationTtl into an expiration in epoch seconds, and refuses one under 60 s', () => {
    const put = decideKvCall(call({ op: 'put', key: 'a', value, expirationTtl: 120 }), caller, emptyKvView(), NOW);
    expect(put).toMatchObject({ type: 'append', record: { expiration: NOW / 1000 + 120 } });
    expect(decideKvCall(call({ op: 'put', key: 'a', value, expirationTtl: 5 }), caller, emptyKvView(), NOW)).toMatchObject({
      type: 'refuse',
      error: expect.stringMatching(/expirationTtl must be at least 60 seconds/),
    });
  });

  it('refuses a value over 1 MiB and a key over 512 bytes', () => {
    const big = Buffer.alloc(1024 * 1024 + 1).toString('base64');
    expect(decideKvCall(call({ op: 'put', key: 'a', value: big }), caller, emptyKvView(), NOW)).toMatchObject({
      type: 'refuse',
      error: expect.stringMatching(/1048577 bytes/),
    });
    expect(decideKvCall(call({ op: 'get', key: 'k'.repeat(513) }), caller, emptyKvView(), NOW)).toMatchObject({ type: 'refuse' });
  });

  it('answers a get from the view of the bound KV namespace only', () => {
    const view = applyKvRecord(emptyKvView(), { namespace: 'default', kv: 'other-kv', key: 'a', value });
    expect(decideKvCall(call({ op: 'get', key: 'a' }), caller, view, NOW)).toEqual({ type: 'answer', result: null });
    const bound = applyKvRecord(view, { namespace: 'default', kv: 'my-kv', key: 'a', value });
    expect(decideKvCall(call({ op: 'get', key: 'a' }), caller, bound, NOW)).toEqual({ type: 'answer', result: { value } });
  });

  it('turns a delete into a tombstone', () => {
    expect(decideKvCall(call({ op: 'delete', key: 'a' }), caller, emptyKvView(), NOW)).toEqual({
      type: 'append',
      record: { namespace: 'default', kv: 'my-kv', key: 'a' },
    });
  });
});
