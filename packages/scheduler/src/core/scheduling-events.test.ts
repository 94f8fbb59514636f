import { describe, expect, it } from 'vitest';
import { pod } from '../test-builders.js';
import { schedulingEvents } from './scheduling-events.js';

describe('schedulingEvents', () => {
  it('binds each placed pod on condition that it is still at the version the pass saw, saying how the node scored', () => {
    const scores = { spread: 100, leastAllocated: 87 };
    const { events } = schedulingEvents({ bindings: [{ pod: pod('p', { resourceVersion: '42' }), node: 'a', scores }], unschedulable: [] });
    expect(events).toEqual([{ type: 'PodBound', data: { namespace: 'default', name: 'p', node: 'a', scores }, expect: 42 }]);
  });

  it('reports a pod newly found unschedulable', () => {
    const stuck = pod('p', { resourceVersion: '7' });
    const { events, newlyUnschedulable } = schedulingEvents({ bindings: [], unschedulable: [{ pod: stuck, reasons: ['node a: cordoned'] }] });
    expect(events).toEqual([{ type: 'PodUnschedulable', data: { namespace: 'default', name: 'p', reasons: ['node a: cordoned'] }, expect: 7 }]);
    expect(newlyUnschedulable).toHaveLength(1);
  });

  it('stays quiet while the reasons are those the pod already holds', () => {
    const stuck = pod('p', { unschedulable: ['node a: cordoned'] });
    expect(schedulingEvents({ bindings: [], unschedulable: [{ pod: stuck, reasons: ['node a: cordoned'] }] })).toEqual({ events: [], newlyUnschedulable: [] });
  });

  it('reports again when the reasons change', () => {
    const stuck = pod('p', { unschedulable: ['node a: cordoned'] });
    const { events } = schedulingEvents({ bindings: [], unschedulable: [{ pod: stuck, reasons: ['node a: cordoned', 'node b: not ready'] }] });
    expect(events).toHaveLength(1);
  });
});
