import { describe, expect, it } from 'vitest';
import { chooseColdStart, type ColdStartChoice, type WarmPoolView } from './cold-start.js';

const pool: WarmPoolView = { size: 2, memoryMb: 128, idle: 2 };
const spec = (memoryMb = 128, env: Record<string, string> = {}) => ({ memoryMb, env });

describe('chooseColdStart', () => {
  it.each<[string, { memoryMb: number; env: Record<string, string> }, WarmPoolView, ColdStartChoice]>([
    ['takes an idle process when the memory matches', spec(), pool, { path: 'pool' }],
    ['takes the last idle process', spec(), { ...pool, idle: 1 }, { path: 'pool' }],
    ['spawns when the pool is empty', spec(), { ...pool, idle: 0 }, { path: 'spawn', reason: 'pool empty' }],
    ['spawns when the pool is disabled', spec(), { size: 0, memoryMb: 128, idle: 0 }, { path: 'spawn', reason: 'pool disabled' }],
    ['spawns a pod that wants more memory than the pool has', spec(256), pool, { path: 'spawn', reason: 'memory differs' }],
    ['spawns a pod that wants less memory than the pool has', spec(64), pool, { path: 'spawn', reason: 'memory differs' }],
    ['spawns a pod whose env sets NODE_OPTIONS', spec(128, { NODE_OPTIONS: '--enable-source-maps' }), pool, { path: 'spawn', reason: 'startup-only env' }],
    [
      'spawns a pod whose env sets extra CA certificates, even empty',
      spec(128, { NODE_EXTRA_CA_CERTS: '' }),
      pool,
      { path: 'spawn', reason: 'startup-only env' },
    ],
    ['pools a pod whose env sets only run-time variables', spec(128, { NODE_ENV: 'production', TZ: 'UTC' }), pool, { path: 'pool' }],
  ])('%s', (_title, pod, view, choice) => {
    expect(chooseColdStart(pod, view)).toEqual(choice);
  });
});
