import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { InvocationRecord, RuntimeConfig, RuntimeMessage, SpanRecord } from './runtime-config.js';

// The built runtime, as the node agent runs it: `npm run build` first.
const mainJs = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const fixture = fileURLToPath(new URL('../../../test/fixtures/functions/otel-spans/index.mjs', import.meta.url));

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const CALLER = 'b7ad6b7169203331';

let dir: string;
let child: ChildProcess;
let url: string;
const messages: RuntimeMessage[] = [];

interface Seen {
  traceparent: string;
  invoke?: { traceId: string; spanId: string };
  work: { traceId: string; spanId: string; traceFlags: number };
  inner: { spanId: string };
  active: string;
  late: { spanId: string };
  rootless: { traceId: string; traceFlags: number };
}

beforeAll(async () => {
  if (!existsSync(mainJs)) throw new Error(`${mainJs} is missing: build @tide/runtime first`);
  dir = await mkdtemp(join(tmpdir(), 'tide-function-spans-'));
  // Bundled as a deploy bundles it: the function brings its own copy of @opentelemetry/api.
  const artifactPath = join(dir, 'otel-spans.mjs');
  await build({ entryPoints: [fixture], outfile: artifactPath, bundle: true, platform: 'node', format: 'esm', logLevel: 'silent' });
  const config: RuntimeConfig = { artifactPath, timeoutMs: 5_000, host: '127.0.0.1', reportInvocations: true };
  child = spawn(process.execPath, [mainJs, JSON.stringify(config)], { env: {}, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.on('message', (message: RuntimeMessage) => messages.push(message));
  await vi.waitFor(() => expect(messages.find((m) => m.type === 'ready')).toBeDefined(), { timeout: 10_000, interval: 10 });
  const ready = messages.find((m) => m.type === 'ready') as { port: number };
  url = `http://127.0.0.1:${ready.port}/`;
});

afterAll(async () => {
  child?.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

const invocations = () => messages.filter((m): m is { type: 'invocation' } & InvocationRecord => m.type === 'invocation');
const lateSpans = () => messages.flatMap((m) => (m.type === 'spans' ? m.spans : []));

describe('a function that makes spans with @opentelemetry/api, in a pod', () => {
  it('is handed a traceparent naming the invoke span, and its spans are children of invoke', async () => {
    const seen = (await (await fetch(`${url}work`, { headers: { traceparent: `00-${TRACE}-${CALLER}-01`, tracestate: 'v=1' } })).json()) as Seen;
    await vi.waitFor(() => expect(invocations()).toHaveLength(1), { timeout: 5_000, interval: 10 });
    const record = invocations()[0]!;
    expect(record).toMatchObject({ traceparent: `00-${TRACE}-${CALLER}-01`, tracestate: 'v=1', path: '/work', status: 200, first: true, trigger: 'http' });
    expect(seen.traceparent).toBe(`00-${TRACE}-${record.spanId}-01`);
    expect(seen.invoke).toMatchObject({ traceId: TRACE, spanId: record.spanId });
    expect(seen.active).toBe(seen.work.spanId);

    const byName = new Map((record.spans ?? []).map((span) => [span.name, span]));
    expect([...byName.keys()].sort()).toEqual(['inner', 'work']);
    expect(byName.get('work')).toMatchObject({ traceId: TRACE, spanId: seen.work.spanId, parentSpanId: record.spanId, attributes: { 'fixture.step': 1 } });
    const inner = byName.get('inner')!;
    expect(inner).toMatchObject({ spanId: seen.inner.spanId, parentSpanId: seen.work.spanId, status: { code: 2, message: 'soft failure' } });
    expect(inner.events?.map((e) => e.name)).toEqual(['halfway', 'exception']);
    expect(inner.events?.[1]?.attributes).toMatchObject({ 'exception.type': 'RangeError', 'exception.message': 'soft failure' });
    expect(inner.startMs).toBeGreaterThanOrEqual(byName.get('work')!.startMs);
    expect(record.startMs).toBeLessThanOrEqual(byName.get('work')!.startMs);

    // The span ended after the response still arrives, a child of invoke.
    await vi.waitFor(() => expect(lateSpans().map((s) => s.name)).toEqual(['late']), { timeout: 5_000, interval: 10 });
    expect(lateSpans()[0]).toMatchObject({ spanId: seen.late.spanId, parentSpanId: record.spanId } satisfies Partial<SpanRecord>);
    // A span with no parent starts an unsampled trace of its own: not recorded.
    expect(seen.rootless.traceId).not.toBe(TRACE);
    expect(seen.rootless.traceFlags).toBe(0);
  });

  it('in an unsampled call sees the caller’s traceparent unchanged; its spans propagate and are not recorded', async () => {
    const before = messages.length;
    const traceparent = `00-${TRACE}-${CALLER}-00`;
    const seen = (await (await fetch(url, { headers: { traceparent } })).json()) as Seen;
    expect(seen.traceparent).toBe(traceparent);
    expect(seen.invoke?.spanId).toBe(CALLER);
    expect(seen.work).toMatchObject({ traceId: TRACE, traceFlags: 0 });
    expect(seen.work.spanId).not.toBe(CALLER);
    // A sampled call after it is reported; by then the unsampled one's record would have been too.
    await (await fetch(`${url}after`, { headers: { traceparent: `00-${TRACE}-${CALLER}-01` } })).text();
    await vi.waitFor(() => expect(invocations().some((r) => r.path === '/after')).toBe(true), { timeout: 5_000, interval: 10 });
    await vi.waitFor(() => expect(lateSpans()).toHaveLength(2), { timeout: 5_000, interval: 10 });
    const since = messages.slice(before);
    expect(since.filter((m) => m.type === 'invocation').map((m) => (m as InvocationRecord).path)).toEqual(['/after']);
    expect(invocations().at(-1)?.first).toBe(false);
  });
});
