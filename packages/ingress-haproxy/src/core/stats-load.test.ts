import { describe, expect, it } from 'vitest';
import { absorbReadings, backendsToRead, loadSamplesOf, nextWindow, openWindow, statReadingsOf } from './stats-load.js';

const header = '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,hrsp_5xx';
const csv = (rows: string[]) => [header, ...rows, ''].join('\n');
const isRevision = (name: string) => name.startsWith('rev.');
const functionOf = (backend: string) => (backend.startsWith('rev.default.hello') ? { namespace: 'default', name: 'hello' } : undefined);

describe('load from show stat', () => {
  it('reads pods’ rows and the backend’s queue, not the activator’s (the gateway reports that load)', () => {
    const readings = statReadingsOf(
      csv([
        'tide,FRONTEND,,,3,9,,100,0,0,0,0,0,,,',
        'rev.default.hello-00001,activator,0,0,7,7,,40,0,0,,0,,0,0,0',
        'rev.default.hello-00001,a,0,0,4,5,50,120,0,0,,0,,0,1,2',
        'rev.default.hello-00001,BACKEND,2,2,11,12,,160,0,0,0,0,,0,1,2',
      ]),
      isRevision,
    );
    expect(readings).toEqual([
      { backend: 'rev.default.hello-00001', server: 'a', scur: 4, qcur: 0, stot: 120, errors: 3 },
      { backend: 'rev.default.hello-00001', server: 'BACKEND', scur: 0, qcur: 2, stot: 0, errors: 3 },
    ]);
  });

  it('averages what is in flight over the polls and counts requests by the counters’ growth', () => {
    const poll = (scur: number, stot: number) => statReadingsOf(csv([`rev.default.hello-00001,a,0,0,${scur},0,50,${stot},0,0,,0,,0,0,0`]), isRevision);
    let window = absorbReadings(openWindow(0), poll(2, 100), functionOf);
    // The first poll saw the counter at 100: all of it is new to this ingress.
    window = absorbReadings(openWindow(1000, window.counters), poll(4, 130), functionOf);
    window = absorbReadings(window, poll(6, 150), functionOf);
    expect(loadSamplesOf(window)).toEqual([
      { namespace: 'default', name: 'hello', concurrency: 5, requests: 50, waiting: 0, inFlight: 6, completed: 50, errors: 0 },
    ]);
  });

  it('counts a server whose counter went back (haproxy reloaded) from zero', () => {
    const poll = (stot: number) => statReadingsOf(csv([`rev.default.hello-00001,a,0,0,0,0,50,${stot},0,0,,0,,0,0,0`]), isRevision);
    const before = absorbReadings(openWindow(0), poll(500), functionOf);
    const after = absorbReadings(openWindow(1000, before.counters), poll(7), functionOf);
    expect(loadSamplesOf(after)[0]?.requests).toBe(7);
  });

  it('reports nothing for a function without load', () => {
    const idle = statReadingsOf(csv(['rev.default.hello-00001,a,0,0,0,0,50,9,0,0,,0,,0,0,0']), isRevision);
    const first = absorbReadings(openWindow(0), idle, functionOf);
    expect(loadSamplesOf(absorbReadings(openWindow(1000, first.counters), idle, functionOf))).toEqual([]);
  });

  it('says once more that a function is quiet after a report left a request in flight (the autoscaler holds that word)', () => {
    const poll = (scur: number, stot: number) => statReadingsOf(csv([`rev.default.hello-00001,a,0,0,${scur},0,50,${stot},0,0,,0,,0,0,0`]), isRevision);
    // The last request started (stot grew) and was still at the pod when the report was made.
    const busy = absorbReadings(openWindow(0), poll(1, 10), functionOf);
    const reported = loadSamplesOf(busy);
    expect(reported).toMatchObject([{ name: 'hello', inFlight: 1 }]);
    // It ended before the next poll: nothing counted, nothing in flight, and still a report saying so.
    const quiet = absorbReadings(nextWindow(1000, busy, reported), poll(0, 10), functionOf);
    const zero = loadSamplesOf(quiet);
    expect(zero).toEqual([{ namespace: 'default', name: 'hello', concurrency: 0, requests: 0, waiting: 0, inFlight: 0, completed: 0, errors: 0 }]);
    // Said once: the window after that owes nothing.
    expect(loadSamplesOf(absorbReadings(nextWindow(2000, quiet, zero), poll(0, 10), functionOf))).toEqual([]);
  });

  it('reads the servers only of backends with something in flight, queued, or counted since the last poll', () => {
    const backends = (rows: string[]) => csv(rows.map((r) => r.replace(/^(\S+?),/, '$1,BACKEND,')));
    const first = backendsToRead(
      backends(['tide,0,0,0,0,,5,0,0,0,0,,0,0,0', 'rev.default.hello-00001,0,0,0,0,,10,0,0,0,0,,0,0,0', 'rev.default.idle-00001,0,0,0,0,,3,0,0,0,0,,0,0,0']),
      isRevision,
      new Map(),
    );
    // Never seen: read once, to take their counters.
    expect(first.names).toEqual(['rev.default.hello-00001', 'rev.default.idle-00001']);
    const next = backendsToRead(
      backends([
        'rev.default.hello-00001,0,0,0,0,,12,0,0,0,0,,0,0,0',
        'rev.default.idle-00001,0,0,0,0,,3,0,0,0,0,,0,0,0',
        'rev.default.busy-00001,1,1,4,4,,3,0,0,0,0,,0,0,0',
      ]),
      isRevision,
      new Map([...first.stot, ['rev.default.busy-00001', 3]]),
    );
    expect(next.names).toEqual(['rev.default.hello-00001', 'rev.default.busy-00001']);
  });

  it('keeps the counters of servers a poll did not read, so their next reading counts only what is new', () => {
    const server = (stot: number) => statReadingsOf(csv([`rev.default.hello-00001,a,0,0,0,0,50,${stot},0,0,,0,,0,0,0`]), isRevision);
    const backendOnly = statReadingsOf(csv(['rev.default.hello-00001,BACKEND,0,0,0,0,50,0,0,0,0,0,,0,0,0']), isRevision);
    const first = absorbReadings(openWindow(0), server(100), functionOf);
    const skipped = absorbReadings(openWindow(1000, first.counters), backendOnly, functionOf);
    const read = absorbReadings(openWindow(2000, skipped.counters), server(104), functionOf);
    expect(loadSamplesOf(skipped)).toEqual([]);
    expect(loadSamplesOf(read)[0]?.requests).toBe(4);
  });
});
