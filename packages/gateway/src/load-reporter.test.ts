import { describe, expect, it } from 'vitest';
import { createMemoryLog } from '@tide/log/testing';
import { decodeLoadReport, METRICS_TOPIC } from '@tide/core';
import { startLoadReporter } from './load-reporter.js';
import type { Gateway, LoadSample } from './gateway.js';

function fakeGateway(batches: LoadSample[][]): Gateway {
  return {
    handle: () => false,
    handleUpgrade: () => false,
    stats: () => ({ inFlight: 0, tunnels: 0, requests: 0, byFunction: {} }),
    collect: () => batches.shift() ?? [],
    close: async () => {},
  };
}

describe('load reporter', () => {
  it('appends one report per flush to the metrics topic, and nothing when there was no load', async () => {
    const log = createMemoryLog();
    const load = { completed: 6, errors: 1, latencyBuckets: { '12': 6 }, coldStarts: 2 };
    const sample = { namespace: 'default', name: 'hello', concurrency: 2.5, requests: 7, waiting: 1, inFlight: 3, intervalMs: 1000, ...load };
    const reporter = startLoadReporter({
      gateway: fakeGateway([[sample], [], [{ ...sample, requests: 1 }]]),
      log,
      source: 'gw-1',
      intervalMs: 60_000,
      now: () => 42,
    });
    reporter.flushSoon();
    reporter.flushSoon();
    await new Promise((r) => setImmediate(r));
    reporter.flushSoon();
    await new Promise((r) => setImmediate(r));
    await reporter.stop();
    const reports = log.records(METRICS_TOPIC).map((r) => decodeLoadReport(r.value));
    expect(reports).toEqual([
      {
        kind: 'gateway-load',
        source: 'gw-1',
        at: 42,
        intervalMs: 1000,
        samples: [{ namespace: 'default', name: 'hello', concurrency: 2.5, requests: 7, waiting: 1, inFlight: 3, ...load }],
      },
      {
        kind: 'gateway-load',
        source: 'gw-1',
        at: 42,
        intervalMs: 1000,
        samples: [{ namespace: 'default', name: 'hello', concurrency: 2.5, requests: 1, waiting: 1, inFlight: 3, ...load }],
      },
    ]);
    expect(decodeLoadReport(new TextEncoder().encode('{"kind":"other"}'))).toBeUndefined();
  });
});
