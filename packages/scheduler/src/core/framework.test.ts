import { describe, expect, it } from 'vitest';
import type { Pod } from '@tide/core';
import { node, pod } from '../test-builders.js';
import { defaultPlugins } from './default-plugins.js';
import { fail, InvalidScoreError, normalise, PASS, schedule, type FilterPlugin, type Plugins, type ScorePlugin, feasibleNodesToFind } from './framework.js';
import { createSchedulingContext } from './scheduling-context.js';

const byName = (scores: Record<string, number>): ScorePlugin => ({ name: 'fixed', score: (_p, n) => scores[n.metadata.name] ?? 0 });
const only = (...scores: { plugin: ScorePlugin; weight: number }[]): Plugins => ({ filters: [], scores });
const ctx = (bound: readonly Pod[]) => createSchedulingContext(bound);

describe('schedule with the default plugins', () => {
  it.each([
    ['the only ready node', [node('a'), node('b', { ready: false })], [], 'a'],
    ['the node with fewer pods of the same function', [node('a'), node('b')], [pod('p1', { node: 'a' })], 'b'],
    ['the least allocated node when spread is equal', [node('a'), node('b')], [pod('p1', { memoryMb: 512, node: 'a', fn: 'other' })], 'b'],
    ['the first name when all else is equal', [node('b'), node('a'), node('c')], [], 'a'],
  ])('picks %s', (_what, nodes, bound, expected) => {
    expect(schedule(pod('new'), nodes, defaultPlugins, ctx(bound)).node).toBe(expected);
  });

  it('says why nothing fits, one reason per node', () => {
    const result = schedule(pod('big', { memoryMb: 4096 }), [node('a'), node('b', { ready: false })], defaultPlugins, ctx([]));
    expect(result).toEqual({ node: undefined, reasons: ['node a: insufficient memory (1024 MB free, 4096 MB asked)', 'node b: not ready'] });
  });

  it('says that there are no nodes', () => {
    expect(schedule(pod('p'), [], defaultPlugins, ctx([]))).toEqual({ node: undefined, reasons: ['no nodes registered'] });
  });

  it('counts pods of the same function only within its namespace', () => {
    const bound = [pod('p1', { node: 'a', namespace: 'other' })];
    expect(schedule(pod('new'), [node('a'), node('b')], { filters: [], scores: defaultPlugins.scores.slice(0, 1) }, ctx(bound)).node).toBe('a');
  });

  it('reports the chosen node’s normalised score per plugin', () => {
    const result = schedule(pod('new'), [node('a'), node('b')], defaultPlugins, ctx([pod('p1', { node: 'a' })]));
    expect(result).toMatchObject({ node: 'b', scores: { 'spread-function': 100, 'least-allocated': 100 }, score: 300 });
  });
});

describe('the framework', () => {
  it('stops at a node’s first failing filter and names the node', () => {
    const never = (name: string): FilterPlugin => ({ name, filter: () => fail(`${name} says no`) });
    expect(schedule(pod('p'), [node('a')], { filters: [never('first'), never('second')], scores: [] }, ctx([]))).toEqual({
      node: undefined,
      reasons: ['node a: first says no'],
    });
  });

  it('scores only the nodes that passed every filter', () => {
    const seen: string[] = [];
    const spy: ScorePlugin = { name: 'spy', score: (_p, n) => (seen.push(n.metadata.name), 0) };
    const notB: FilterPlugin = { name: 'not-b', filter: (_p, n) => (n.metadata.name === 'b' ? fail('b') : PASS) };
    schedule(pod('p'), [node('a'), node('b'), node('c')], { filters: [notB], scores: [{ plugin: spy, weight: 1 }] }, ctx([]));
    expect(seen).toEqual(['a', 'c']);
  });

  it('normalises before weighing, so a plugin’s raw scale does not matter', () => {
    // huge: a=1000, b=0 → a 100, b 0 (weight 1); small: a=0, b=0.001 → a 0, b 100 (weight 2): b wins 200 to 100.
    const huge = { ...byName({ a: 1000, b: 0 }), name: 'huge' };
    const small = { ...byName({ a: 0, b: 0.001 }), name: 'small' };
    const result = schedule(pod('p'), [node('a'), node('b')], only({ plugin: huge, weight: 1 }, { plugin: small, weight: 2 }), ctx([]));
    expect(result).toMatchObject({ node: 'b', score: 200, scores: { huge: 0, small: 100 } });
  });

  it('lets a weight decide between plugins that disagree', () => {
    const likesA = { ...byName({ a: 1, b: 0 }), name: 'likes-a' };
    const likesB = { ...byName({ a: 0, b: 1 }), name: 'likes-b' };
    const plugins = (wa: number, wb: number) => only({ plugin: likesA, weight: wa }, { plugin: likesB, weight: wb });
    expect(schedule(pod('p'), [node('a'), node('b')], plugins(3, 1), ctx([])).node).toBe('a');
    expect(schedule(pod('p'), [node('a'), node('b')], plugins(1, 3), ctx([])).node).toBe('b');
  });

  it('throws naming the plugin and node when a score is not a finite number', () => {
    const broken: ScorePlugin = { name: 'broken', score: () => Number.NaN };
    const run = () => schedule(pod('p'), [node('a'), node('b')], only({ plugin: broken, weight: 1 }), ctx([]));
    expect(run).toThrow(InvalidScoreError);
    expect(run).toThrow(/broken returned NaN for node a/);
  });
});

describe('normalise', () => {
  it.each([
    [
      [3, 5, 7],
      [0, 50, 100],
    ],
    [
      [-2, -1],
      [0, 100],
    ],
    [
      [4, 4, 4],
      [100, 100, 100],
    ],
    [[9], [100]],
  ])('%j → %j', (raw, expected) => {
    expect(normalise(raw)).toEqual(expected);
  });
});

describe('feasibleNodesToFind (percentageOfNodesToScore)', () => {
  it.each([
    [3, 3],
    [100, 100],
    [1000, 420],
    [5000, 500],
    [100_000, 5000],
  ])('with %i nodes looks for %i feasible ones', (nodes, expected) => {
    expect(feasibleNodesToFind(nodes)).toBe(expected);
  });
});
