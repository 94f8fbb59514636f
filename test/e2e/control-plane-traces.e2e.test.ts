import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import { otlpEnv, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';
import { freePort, repoRoot, runCli, startTide, stopTide, type StartedTide } from '../support/tide-process.js';

/**
 * Issue 13, acceptance 1: with OTEL_* pointing at a real OTLP/HTTP receiver, one trace shows a
 * deploy (CLI → API → log append → revision controller → scheduler → node agent start → Ready)
 * and one trace shows a call from zero (gateway → hold → scale decision → pod created → placed →
 * started from the pool or spawned → import → the hop to the pod → invoke → a span the function made).
 */
let dir: Awaited<ReturnType<typeof makeTempDir>>;
let receiver: OtlpReceiver;
let tide: StartedTide;

const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;

beforeAll(async () => {
  dir = await makeTempDir('tide-cp-traces-');
  receiver = await startOtlpReceiver();
  tide = await startTide({ dataDir: dir.path, port: await freePort(), env: otlpEnv(receiver), timeoutMs: 60_000 });
}, 90_000);

afterAll(async () => {
  await stopTide(tide);
  await receiver?.close();
  await dir?.remove();
});

/** The spans of one trace so far. */
const traceOf = (traceId: string) => receiver.spans().filter((s) => s.traceId === traceId);

/** The one span of `spans` named `name` (a RegExp: matching it), failing with what there is. */
function one(spans: readonly ReceivedSpan[], name: string | RegExp): ReceivedSpan {
  const found = spans.filter((s) => (typeof name === 'string' ? s.name === name : name.test(s.name)));
  expect(
    found.map((s) => s.name),
    `spans named ${name} among ${spans.map((s) => s.name).join(', ')}`,
  ).toHaveLength(1);
  return found[0]!;
}

function expectChild(child: ReceivedSpan, parent: ReceivedSpan): void {
  expect(child.traceId).toBe(parent.traceId);
  expect(child.parentSpanId, `${child.name} (${child.service}) should be a child of ${parent.name} (${parent.service})`).toBe(parent.spanId);
}

describe('one trace per deploy and per cold start', () => {
  it('shows a deploy from the CLI through the API, the log, the controllers, the scheduler and the node to a Ready pod', async () => {
    const deployed = await runCli(
      ['deploy', join(repoRoot, 'test/fixtures/functions/traced'), '--min', '0', '--max', '2', '--scale-to-zero-after', '1', '--stable-window', '6'],
      {
        server: tide.url,
        env: otlpEnv(receiver),
        timeoutMs: 90_000,
      },
    );
    expect(deployed.code, deployed.stderr).toBe(0);
    const cli = await eventually(
      () =>
        one(
          receiver.spans().filter((s) => s.service === 'tide-cli'),
          'tide deploy',
        ),
      { timeoutMs: 20_000 },
    );
    const spans = await eventually(
      () => {
        const spans = traceOf(cli.traceId);
        one(spans, /^(claim warm-pool process|spawn runtime process)$/);
        one(spans, 'import');
        return spans;
      },
      { timeoutMs: 30_000 },
    );
    const apply = one(spans, 'PUT /apis/tide.dev/v1/namespaces/:ns/functions/:name');
    expect(apply.kind).toBe(SERVER);
    expect(apply.attributes['http.response.status_code']).toBeLessThan(300);
    expectChild(apply, cli);
    const append = spans.find((s) => s.name === 'send tide.state' && s.attributes['tide.event.type'] === 'FunctionApplied')!;
    expect(append.kind).toBe(PRODUCER);
    expectChild(append, apply);
    const create = one(spans, 'create pods default/traced-00001');
    expectChild(create, append);
    const schedule = one(spans, /^schedule default\/traced-00001-\w+$/);
    expectChild(schedule, create);
    expect(schedule.attributes['tide.node']).toBeTypeOf('string');
    const start = one(spans, /^start pod default\/traced-00001-\w+$/);
    expectChild(start, schedule);
    expectChild(one(spans, /^(claim warm-pool process|spawn runtime process)$/), start);
    expectChild(one(spans, 'import'), start);
    // Every step happened in order, and the CLI's span holds them all (it waited for the pod).
    for (const [before, after] of [
      [apply, append],
      [append, create],
      [create, schedule],
      [schedule, start],
    ] as const)
      expect(after.startMs).toBeGreaterThanOrEqual(before.startMs);
    expect(cli.endMs).toBeGreaterThanOrEqual(start.endMs);
  }, 120_000);

  it('shows a call from zero: hold, scale decision, placement, pod start, the hop to the pod, invoke and a span the function made', async () => {
    // Scaled to zero after a second idle.
    await eventually(
      async () => {
        const res = await request(`${tide.url}/apis/tide.dev/v1/namespaces/default/pods`, { headers: tide.headers });
        const pods = ((await res.body.json()) as { items: { spec: { function: string } }[] }).items.filter((p) => p.spec.function === 'traced');
        expect(pods).toHaveLength(0);
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpanId = '00f067aa0ba902b7';
    const res = await request(`${tide.url}/fn/default/traced/`, { headers: { traceparent: `00-${traceId}-${callerSpanId}-01` } });
    const seen = await res.body.text();
    expect(res.statusCode, seen).toBe(200);

    const spans = await eventually(
      () => {
        const spans = traceOf(traceId);
        one(spans, 'render greeting');
        one(spans, /^start pod /);
        return spans;
      },
      { timeoutMs: 30_000 },
    );
    const gateway = one(spans, 'gateway /fn/default/traced');
    expect(gateway.kind).toBe(SERVER);
    expect(gateway.parentSpanId).toBe(callerSpanId);
    const hold = one(spans, 'hold');
    expectChild(hold, gateway);
    const scale = one(spans, 'scale default/traced');
    expectChild(scale, hold);
    expect(scale.attributes).toMatchObject({ 'tide.replicas.from': 0, 'tide.replicas.to': 1 });
    const create = one(spans, 'create pods default/traced-00001');
    expectChild(create, spans.find((s) => s.name === 'send tide.state') ?? scale);
    const schedule = one(spans, /^schedule default\/traced-00001-\w+$/);
    expectChild(schedule, create);
    const start = one(spans, /^start pod default\/traced-00001-\w+$/);
    expectChild(start, schedule);
    expectChild(one(spans, /^(claim warm-pool process|spawn runtime process)$/), start);
    expectChild(one(spans, 'import'), start);
    const hop = one(spans, 'GET');
    expect(hop.kind).toBe(CLIENT);
    expectChild(hop, gateway);
    expect(hop.events).toContain('first byte');
    // The hop waited for the pod: it began when the hold ended.
    expect(hop.startMs).toBeGreaterThanOrEqual(hold.endMs - 1);
    const invoke = one(spans, 'invoke default/traced');
    expect(invoke.kind).toBe(SERVER);
    expectChild(invoke, hop);
    expect(invoke.attributes['faas.coldstart']).toBe(true);
    const made = one(spans, 'render greeting');
    expectChild(made, invoke);
    // The function was handed its own invoke span as the parent.
    expect(seen).toBe(`00-${traceId}-${invoke.spanId}-01`);
  }, 120_000);
});
