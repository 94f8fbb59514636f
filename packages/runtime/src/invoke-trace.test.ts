import { describe, expect, it } from 'vitest';
import { faasTriggerOf, invokeTraceOf, parseTraceparent } from './invoke-trace.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const CALLER = 'b7ad6b7169203331';
const INVOKE = '00f067aa0ba902b7';
const newId = () => INVOKE;

describe('parseTraceparent', () => {
  it.each([
    [`00-${TRACE}-${CALLER}-01`, { traceId: TRACE, spanId: CALLER, flags: 1 }],
    [`01-${TRACE}-${CALLER}-03-later-fields`, { traceId: TRACE, spanId: CALLER, flags: 3 }],
    [`00-${TRACE}-${CALLER}-01-extra`, undefined],
    [`ff-${TRACE}-${CALLER}-01`, undefined],
    [`00-${'0'.repeat(32)}-${CALLER}-01`, undefined],
    [`00-${TRACE}-${'0'.repeat(16)}-01`, undefined],
    [`00-${TRACE.toUpperCase()}-${CALLER}-01`, undefined],
    [`00_${TRACE}-${CALLER}-01`, undefined],
    ['garbage', undefined],
    [undefined, undefined],
  ])('reads %s', (value, parsed) => {
    expect(parseTraceparent(value)).toEqual(parsed);
  });
});

describe('invokeTraceOf', () => {
  it('hands the function a traceparent whose parent is the invoke span, in the caller’s trace with its flags', () => {
    expect(invokeTraceOf(`00-${TRACE}-${CALLER}-01`, newId, true)).toEqual({
      sampled: true,
      caller: { traceId: TRACE, spanId: CALLER, flags: 1 },
      spanId: INVOKE,
      traceparent: `00-${TRACE}-${INVOKE}-01`,
    });
  });

  it('passes an unsampled traceparent through unchanged, and asks for no id', () => {
    const noId = () => {
      throw new Error('no id for an unsampled call');
    };
    const traceparent = `00-${TRACE}-${CALLER}-00`;
    expect(invokeTraceOf(traceparent, noId, true)).toEqual({ sampled: false, caller: { traceId: TRACE, spanId: CALLER, flags: 0 }, traceparent });
  });

  it('makes no invoke span when nobody records the pod’s spans', () => {
    expect(invokeTraceOf(`00-${TRACE}-${CALLER}-01`, newId, false)).toMatchObject({ sampled: false, traceparent: `00-${TRACE}-${CALLER}-01` });
  });

  it('continues no trace from an invalid traceparent', () => {
    expect(invokeTraceOf('00-nope', newId, true)).toBeUndefined();
    expect(invokeTraceOf(undefined, newId, true)).toBeUndefined();
  });
});

describe('faasTriggerOf', () => {
  it.each([
    [undefined, undefined, 'http'],
    ['queue', undefined, 'pubsub'],
    ['scheduled', undefined, 'timer'],
    [undefined, 'dev.tide.kafka.record', 'pubsub'],
    [undefined, 'dev.tide.cron.tick', 'timer'],
    [undefined, 'com.example.order', 'other'],
  ])('tide-invoke %s, ce-type %s: %s', (invoke, ceType, trigger) => {
    expect(faasTriggerOf(invoke, ceType)).toBe(trigger);
  });
});
