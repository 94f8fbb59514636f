import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { request } from 'undici';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import { freePort, repoRoot, runCli, startTide, stopTide, type TideProcess } from '../support/tide-process.js';

let dir: Awaited<ReturnType<typeof makeTempDir>>;
let tide: TideProcess;

beforeAll(async () => {
  dir = await makeTempDir('tide-trace-');
  tide = await startTide({ dataDir: dir.path, port: await freePort(), env: { OTEL_TRACES_EXPORTER: 'console', OTEL_SERVICE_NAME: 'tide-test' } });
  const deployed = await runCli(['deploy', join(repoRoot, 'functions/echo')], { server: tide.url });
  expect(deployed.code, deployed.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  await stopTide(tide);
  await dir?.remove();
});

describe('tracing with an OTEL exporter configured', () => {
  it('continues the caller trace in the gateway and hands it on to the pod', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const res = await request(`${tide.url}/fn/default/echo/?format=json`, { headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } });
    const seen = ((await res.body.json()) as { headers: Record<string, string> }).headers.traceparent!;
    const [, podTraceId, invokeSpanId] = seen.split('-');
    expect(podTraceId).toBe(traceId);
    expect(invokeSpanId).not.toBe('b7ad6b7169203331');
    // The function's traceparent names the pod's invoke span (so what the function starts is its
    // child), and the invoke span's parent is the gateway's span, a child of the caller's.
    const blocks = () => tide.output().split(/\n(?=\{)/);
    const idIs = (id: string) => new RegExp(`\\n\\s*id: '${id}'`);
    await eventually(
      () => {
        const podSpan = blocks().find((block) => block.includes(`name: 'invoke default/echo'`) && idIs(invokeSpanId!).test(block));
        expect(podSpan).toBeDefined();
        expect(podSpan).toContain(`traceId: '${traceId}'`);
        expect(podSpan).toMatch(/'tide\.pod': 'echo-00001-\w+'/);
        expect(podSpan).toContain(`'url.path': '/'`);
        expect(podSpan).toContain(`'http.response.status_code': 200`);
        expect(podSpan).toContain(`'faas.trigger': 'http'`);
        const gatewaySpanId = /parentSpanContext: \{[^}]*spanId: '([0-9a-f]{16})'/.exec(podSpan!)?.[1];
        expect(gatewaySpanId).toBeDefined();
        expect(gatewaySpanId).not.toBe('b7ad6b7169203331');
        expect(blocks().some((block) => idIs(gatewaySpanId!).test(block) && block.includes(`traceId: '${traceId}'`))).toBe(true);
      },
      { timeoutMs: 10_000 },
    );
  });

  it('records no pod span for a call whose trace is not sampled', async () => {
    const traceId = '1bf7651916cd43dd8448eb211c80319d';
    const res = await request(`${tide.url}/fn/default/echo/unsampled`, { headers: { traceparent: `00-${traceId}-b7ad6b7169203331-00` } });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    const sampled = await request(`${tide.url}/fn/default/echo/sampled`, { headers: { traceparent: `00-${'2c'.repeat(16)}-b7ad6b7169203331-01` } });
    await sampled.body.dump();
    // The sampled call's span arrives; by then the unsampled one's would have too.
    await eventually(() => expect(tide.output()).toContain(`'url.path': '/sampled'`), { timeoutMs: 10_000 });
    expect(tide.output()).not.toContain(`'url.path': '/unsampled'`);
  });
});
