import { createServer, type Server } from 'node:http';
import type { ClusterState } from '@tide/core';
import { startMetrics, type MetricsEndpoint } from '@tide/telemetry';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { observeConsumerLag } from './consumer-lag.js';

let endpoint: MetricsEndpoint;
let server: Server;
let url: string;

beforeEach(async () => {
  endpoint = startMetrics({ serviceName: 'tide-gateway', env: {} });
  server = createServer((req, res) => endpoint.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/metrics`;
});
afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  await endpoint.shutdown();
});

async function lagSamples(): Promise<string[]> {
  const text = await (await fetch(url)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('tide_log_consumer_lag_records{'))
    .map((line) => line.replace(/,?otel_scope_name="[^"]*"/, ''));
}

describe('consumer lag', () => {
  it('is the records of tide.state the fold has not reached, none while the log does not answer, and nothing once stopped', async () => {
    let end: number | Error = 10;
    let offset = 7;
    const stop = observeConsumerLag(
      { endOffset: async () => (end instanceof Error ? Promise.reject(end) : end) },
      { state: () => ({ offset }) as ClusterState },
    );
    // Records 0..9 written, 0..7 folded: 8 and 9 to go.
    expect(await lagSamples()).toEqual(['tide_log_consumer_lag_records{topic="tide.state"} 2']);
    offset = 9;
    expect(await lagSamples()).toEqual(['tide_log_consumer_lag_records{topic="tide.state"} 0']);
    end = new Error('connection refused');
    expect(await lagSamples()).toEqual([]);
    end = 12;
    stop();
    expect(await lagSamples()).toEqual([]);
  });
});
