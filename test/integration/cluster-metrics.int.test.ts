import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClusterState, StateListener } from '@tide/core';
import { foldAll, functionManifest } from '@tide/core/testing';
import { serveMetricsForTest, type ServedMetrics } from '@tide/telemetry/testing';
import { countFoldRejections, observeClusterMetrics } from '@tide/control-plane';

let metrics: ServedMetrics;
let state: ClusterState;

beforeEach(async () => {
  metrics = await serveMetricsForTest('tide-control-plane');
  observeClusterMetrics({ state: () => state });
});
afterEach(async () => {
  await metrics.close();
});

/** Scrapes /metrics as Prometheus does and returns the samples of one metric, scope label left out. */
const scrape = async (name: string) => (await metrics.samples(new RegExp(`^${name}\\{`))).sort();

const pods = (fn: string, names: string[]) =>
  names.map((name) => ({ type: 'PodCreated' as const, data: { namespace: 'default', name: `${fn}-${name}`, revision: `${fn}-00001` } }));
const removed = (fn: string, names: string[]) => names.map((name) => ({ type: 'PodRemoved' as const, data: { namespace: 'default', name: `${fn}-${name}` } }));
const scale = (fn: string, from: number, to: number) => ({ type: 'ScaleSet' as const, data: { namespace: 'default', name: fn, from, to, reason: 'test' } });

describe('cluster gauges, scraped as Prometheus does', () => {
  it('report the pods and desired replicas that exist after scale-out, scale-to-zero and deletion, and no others', async () => {
    const zeroable = { scale: { min: 0, max: 5 } };
    let folded = foldAll([
      { type: 'NamespaceApplied', data: { name: 'default' } },
      { type: 'FunctionApplied', data: { namespace: 'default', manifest: functionManifest('hello', zeroable) } },
      { type: 'FunctionApplied', data: { namespace: 'default', manifest: functionManifest('echo', zeroable) } },
    ]);
    // Scale-out: hello to 3 pods, echo to 2.
    folded = foldAll([scale('hello', 1, 3), scale('echo', 1, 2), ...pods('hello', ['a', 'b', 'c']), ...pods('echo', ['a', 'b'])], folded.state);
    expect(folded.verdicts.every((v) => v.accepted)).toBe(true);
    state = folded.state;
    expect(await scrape('tide_pods')).toEqual([
      'tide_pods{namespace="default",function="echo",phase="Pending"} 2',
      'tide_pods{namespace="default",function="hello",phase="Pending"} 3',
    ]);
    expect(await scrape('tide_desired_replicas')).toEqual([
      'tide_desired_replicas{namespace="default",function="echo"} 2',
      'tide_desired_replicas{namespace="default",function="hello"} 3',
    ]);
    // Beside each desired count, the ready one: none of the pods is Ready yet.
    expect(await scrape('tide_ready_replicas')).toEqual([
      'tide_ready_replicas{namespace="default",function="echo"} 0',
      'tide_ready_replicas{namespace="default",function="hello"} 0',
    ]);

    // Scale-to-zero of hello: its pods are gone, so is its tide_pods series.
    folded = foldAll([scale('hello', 3, 0), ...removed('hello', ['a', 'b', 'c'])], folded.state);
    expect(folded.verdicts.every((v) => v.accepted)).toBe(true);
    state = folded.state;
    expect(await scrape('tide_pods')).toEqual(['tide_pods{namespace="default",function="echo",phase="Pending"} 2']);
    expect(await scrape('tide_desired_replicas')).toEqual([
      'tide_desired_replicas{namespace="default",function="echo"} 2',
      'tide_desired_replicas{namespace="default",function="hello"} 0',
    ]);

    // Deletion of echo: neither its pods nor its desired replicas are reported any more.
    folded = foldAll([{ type: 'FunctionDeleted', data: { namespace: 'default', name: 'echo' } }, ...removed('echo', ['a', 'b'])], folded.state);
    expect(folded.verdicts.every((v) => v.accepted)).toBe(true);
    state = folded.state;
    expect(await scrape('tide_pods')).toEqual([]);
    expect(await scrape('tide_desired_replicas')).toEqual(['tide_desired_replicas{namespace="default",function="hello"} 0']);
    expect(await scrape('tide_ready_replicas')).toEqual(['tide_ready_replicas{namespace="default",function="hello"} 0']);
  });

  it('count the events the fold rejects, by event type and reason', async () => {
    const listeners: StateListener[] = [];
    countFoldRejections({ subscribe: (listener) => (listeners.push(listener), () => {}) });
    const events = [
      { type: 'NamespaceApplied' as const, data: { name: 'default' } },
      { type: 'FunctionApplied' as const, data: { namespace: 'default', manifest: functionManifest('hello') } },
      scale('hello', 5, 6), // stale: hello wants 1, not 5
      scale('hello', 7, 8),
      { type: 'FunctionDeleted' as const, data: { namespace: 'default', name: 'nobody' } },
    ];
    const folded = foldAll(events);
    state = folded.state;
    // Fed to the counter as the store's listeners get them: each event with the fold's verdict.
    events.forEach((event, i) =>
      listeners.forEach((listener) => listener({ ...event, id: `e${i}`, time: '', offset: i } as never, folded.verdicts[i]!, state)),
    );
    expect(folded.verdicts.map((v) => (v.accepted ? 'ok' : v.code))).toEqual(['ok', 'ok', 'conflict', 'conflict', 'not-found']);
    expect(await scrape('tide_fold_rejected_events_total')).toEqual([
      'tide_fold_rejected_events_total{type="FunctionDeleted",reason="not-found"} 1',
      'tide_fold_rejected_events_total{type="ScaleSet",reason="conflict"} 2',
    ]);
  });

  it('names the control plane in target_info', async () => {
    state = foldAll([]).state;
    expect(await metrics.samples(/^target_info\{[^}]*service_name="tide-control-plane"/)).toHaveLength(1);
  });
});
