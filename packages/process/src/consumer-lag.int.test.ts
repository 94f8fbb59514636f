import type { ClusterState } from '@tide/core';
import { serveMetricsForTest, type ServedMetrics } from '@tide/telemetry/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { observeConsumerLag } from './consumer-lag.js';

let metrics: ServedMetrics;

beforeEach(async () => {
  metrics = await serveMetricsForTest('tide-gateway');
});
afterEach(async () => {
  await metrics.close();
});

const lagSamples = () => metrics.samples(/^tide_log_consumer_lag_records\{/);

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
