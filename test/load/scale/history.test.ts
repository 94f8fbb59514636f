import { apply, decodeEvent, encodeEvent, initialState, SUPPORTED_RULES_VERSION, type ClusterState } from '@tide/core';
import { describe, expect, it } from 'vitest';
import { generateHistory, type HistoryRecord } from './history.js';

const SHAPE = { nodes: 7, functions: 60, livePods: 40, namespaces: ['team-a', 'team-b'] };

/** Folds `count` records of the history after a switch to the newest rules (writer rights judged), as a control plane's fresh log starts. */
function foldHistory(count: number) {
  // The rules are raised one version at a time, as a control plane's fresh log begins.
  let state: ClusterState = initialState;
  for (let version = 2; version <= SUPPORTED_RULES_VERSION; version++) {
    const offset = version - 2;
    const raise = { type: 'RulesVersionRaised' as const, data: { version }, id: `00000000-0000-4000-8000-${String(offset).padStart(12, '0')}` };
    state = apply(state, { ...raise, time: new Date(0).toISOString(), offset }).state;
  }
  const first = SUPPORTED_RULES_VERSION - 1;
  const rejected: string[] = [];
  const types: Record<string, number> = {};
  let taken = 0;
  for (const record of generateHistory(SHAPE, first)) {
    if (taken === count) break;
    const offset = first + taken++;
    const decoded = decodeEvent(offset, encodeEvent(record.event), (record as HistoryRecord).writer);
    if (!decoded.ok) throw new Error(decoded.reason);
    const result = apply(state, decoded.event);
    state = result.state;
    types[decoded.event.type] = (types[decoded.event.type] ?? 0) + 1;
    if (!result.verdict.accepted) rejected.push(`${offset} ${decoded.event.type}: ${result.verdict.reason}`);
  }
  return { state, rejected, types };
}

describe('the scale history', () => {
  it('is accepted event by event by the fold under the newest rules, node reports included', () => {
    const { state, rejected, types } = foldHistory(6_000);
    expect(rejected).toEqual([]);
    expect(state.rulesVersion).toBe(SUPPORTED_RULES_VERSION);
    expect(state.nodes.size).toBe(SHAPE.nodes);
    expect(state.functions.size).toBe(SHAPE.functions);
    // Every kind of change a cluster's history holds is there.
    for (const type of ['FunctionApplied', 'ScaleSet', 'PodCreated', 'PodBound', 'PodStatusReported', 'PodDeletionRequested', 'PodRemoved'])
      expect(types[type], type).toBeGreaterThan(0);
    expect([...state.pods.values()].some((pod) => pod.status.phase === 'Ready')).toBe(true);
  });

  it('is the same history for the same seed and offset', () => {
    const take = (n: number) => {
      const out: string[] = [];
      for (const record of generateHistory(SHAPE, 5)) {
        if (out.length === n) break;
        out.push(JSON.stringify(record));
      }
      return out;
    };
    expect(take(500)).toEqual(take(500));
  });
});
