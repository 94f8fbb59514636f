import { describe, expect, it } from 'vitest';
import { planPoolRefill, planPoolRespawn, type PoolRefillPlan, type PoolRefillView } from './pool-refill.js';

const NOW = 1_000_000;

describe('planPoolRefill', () => {
  it.each<[string, PoolRefillView, PoolRefillPlan]>([
    ['fills an empty pool', { size: 2, idle: 0, warming: 0 }, { start: 2 }],
    ['starts only what is missing', { size: 2, idle: 1, warming: 0 }, { start: 1 }],
    ['counts warming processes as coming', { size: 2, idle: 0, warming: 2 }, { start: 0 }],
    ['does nothing when full', { size: 2, idle: 2, warming: 0 }, { start: 0 }],
    ['never stops extra ones (a smaller size is only reached by taking)', { size: 1, idle: 2, warming: 1 }, { start: 0 }],
    ['does nothing when disabled', { size: 0, idle: 0, warming: 0 }, { start: 0 }],
    ['waits out a back-off', { size: 2, idle: 0, warming: 0, notBefore: NOW + 500 }, { start: 0, wakeAt: NOW + 500 }],
    ['starts when the back-off has ended', { size: 2, idle: 1, warming: 0, notBefore: NOW }, { start: 1 }],
    ['needs no wake-up for a back-off when full', { size: 1, idle: 1, warming: 0, notBefore: NOW + 500 }, { start: 0 }],
  ])('%s', (_title, view, plan) => {
    expect(planPoolRefill(view, NOW)).toEqual(plan);
  });
});

describe('planPoolRespawn', () => {
  const policy = { initialMs: 100, maxMs: 1_000, resetAfterMs: 60_000 };

  it.each<[string, number, number, { notBefore: number; backoffStep: number }]>([
    ['replaces a first death at once', 0, 50, { notBefore: NOW, backoffStep: 1 }],
    ['waits the initial delay after a second death in a row', 1, 50, { notBefore: NOW + 100, backoffStep: 2 }],
    ['doubles for each further death', 3, 50, { notBefore: NOW + 400, backoffStep: 4 }],
    ['never waits longer than the cap', 20, 50, { notBefore: NOW + 1_000, backoffStep: 21 }],
    ['starts over after a process lived the reset period', 7, 60_000, { notBefore: NOW, backoffStep: 1 }],
  ])('%s', (_title, step, ranMs, plan) => {
    expect(planPoolRespawn(step, ranMs, NOW, policy)).toEqual(plan);
  });
});
