import { afterEach, describe, expect, it } from 'vitest';
import type { CallTrace } from './call-trace.js';
import { createQueueProducer } from './queue-producer.js';
import { serveFunction, type ServedFunction } from './serve-function.js';

const servers: ServedFunction[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('a queue send made while serving a call', () => {
  it('carries that call’s traceparent and tracestate, and none when the call had none', async () => {
    const traces: (CallTrace | undefined)[] = [];
    const queue = createQueueProducer('Q', async (_messages, trace) => {
      traces.push(trace);
    });
    const module = {
      fetch: async (_request: Request, env: { Q: typeof queue }) => {
        await new Promise((resolve) => setImmediate(resolve)); // the context survives an await
        await env.Q.send({ hello: 1 });
        return new Response('sent', { status: 202 });
      },
    };
    const served = await serveFunction(module, { port: 0, host: '127.0.0.1', timeoutMs: 5_000, env: { Q: queue } });
    servers.push(served);
    const traceparent = `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`;
    const url = `http://127.0.0.1:${served.port}/`;
    expect((await fetch(url, { method: 'POST', headers: { traceparent, tracestate: 'a=b' } })).status).toBe(202);
    expect((await fetch(url, { method: 'POST' })).status).toBe(202);
    expect(traces).toEqual([{ traceparent, tracestate: 'a=b' }, undefined]);
  });
});
