import { describe, expect, it } from 'vitest';
import { duration, functionTopTable, nodeTopTable, redrawFrame, type FunctionTopView } from './top-view.js';

const view: FunctionTopView = {
  windowSeconds: 5,
  coldStartWindowSeconds: 60,
  items: [
    {
      namespace: 'default',
      name: 'hello',
      requestsPerSecond: 123.4,
      p50Ms: 1.7,
      p99Ms: 48.2,
      errorsPerSecond: 0.2,
      inFlight: 3,
      desiredReplicas: 2,
      readyReplicas: 1,
      coldStarts: 1,
    },
    { namespace: 'team-a', name: 'idle', requestsPerSecond: 0, errorsPerSecond: 0, inFlight: 0, desiredReplicas: 0, readyReplicas: 0, coldStarts: 0 },
  ],
};

describe('tide top tables', () => {
  it('prints a row per function: rates, latency, in flight, ready/desired replicas and cold starts', () => {
    const lines = functionTopTable(view, false).split('\n');
    expect(lines[0]).toMatch(/^NAME\s+RPS\s+P50\s+P99\s+ERR\/S\s+IN-FLIGHT\s+REPLICAS\s+COLD$/);
    expect(lines[1]!.split(/\s+/)).toEqual(['hello', '123', '1.7ms', '48ms', '0.2', '3', '1/2', '1']);
    expect(lines[2]!.split(/\s+/)).toEqual(['idle', '0.0', '-', '-', '0.0', '0', '0/0', '0']);
    expect(lines.at(-1)).toContain('over the last 5s');
  });

  it('puts the namespace first with -A', () => {
    expect(functionTopTable(view, true).split('\n')[2]!.split(/\s+/).slice(0, 2)).toEqual(['team-a', 'idle']);
  });

  it('says so when there is nothing to show', () => {
    expect(functionTopTable({ ...view, items: [] }, false)).toBe('No functions.');
    expect(nodeTopTable({ windowSeconds: 5, items: [] })).toBe('No nodes.');
  });

  it('prints nodes with requests against capacity, and - for CPU no report gave', () => {
    const text = nodeTopTable({
      windowSeconds: 5,
      items: [
        {
          name: 'local',
          ready: true,
          pods: 2,
          podCapacity: 110,
          cpuRequestedMilli: 500,
          cpuCapacityMilli: 2000,
          memoryRequestedMb: 256,
          memoryCapacityMb: 4096,
          cpuUsedMilli: 130.4,
        },
        {
          name: 'other',
          ready: false,
          pods: 1,
          podCapacity: 110,
          cpuRequestedMilli: 250,
          cpuCapacityMilli: 2000,
          memoryRequestedMb: 128,
          memoryCapacityMb: 4096,
        },
      ],
    });
    const lines = text.split('\n');
    expect(lines[1]).toMatch(/^local\s+Ready\s+2\/110\s+500m\/2000m \(25%\)\s+130m \(7%\)\s+256Mi\/4096Mi \(6%\)$/);
    expect(lines[2]).toMatch(/^other\s+NotReady\s+1\/110\s+250m\/2000m \(13%\)\s+-\s+128Mi/);
  });

  it.each([
    [undefined, '-'],
    [0.85, '850µs'],
    [3.14, '3.1ms'],
    [250.4, '250ms'],
    [1500, '1.5s'],
  ])('shows %s ms as %s', (ms, shown) => {
    expect(duration(ms)).toBe(shown);
  });

  it('redraws in place: cursor home, every line cleared to its end, the rest of the screen cleared', () => {
    expect(redrawFrame('a\nb', 'title')).toBe('\x1b[Htitle\x1b[K\n\x1b[K\na\x1b[K\nb\x1b[K\n\x1b[J');
  });
});
