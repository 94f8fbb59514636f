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
    const [, podTraceId, parentSpanId] = seen.split('-');
    expect(podTraceId).toBe(traceId);
    expect(parentSpanId).not.toBe('b7ad6b7169203331');
    // The gateway's span, exported to the console, is the pod's parent in the same trace.
    await eventually(() => {
      expect(tide.output()).toContain(`traceId: '${traceId}'`);
      expect(tide.output()).toContain(`id: '${parentSpanId}'`);
    }, { timeoutMs: 10_000 });
  });
});
