import { afterEach, describe, expect, it } from 'vitest';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import type { TriggerEngine } from '@tide/triggers';
import { up, type RunningTide } from './up.js';

let tide: RunningTide | undefined;
let dir: Awaited<ReturnType<typeof makeTempDir>> | undefined;
afterEach(async () => {
  await tide?.stop();
  await dir?.remove();
});

/** A leader-only engine that counts its starts, as cron and the async worker would run. */
function countingEngine(starts: { count: number; running: number }): TriggerEngine {
  return {
    name: 'cron',
    leaderOnly: true,
    async start() {
      starts.count++;
      starts.running++;
      return { stop: async () => void starts.running-- };
    },
  };
}

const upOn = (dataDir: string, engine: TriggerEngine, lines: string[]) =>
  up({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    deployDirs: [],
    nodeGraceSeconds: 10,
    nodes: 0,
    cliEntry: '',
    otelEnv: {},
    kafkaEnv: {},
    triggerEngines: [engine],
    logFor: () => (line) => lines.push(line),
  });

describe('tide up runs the triggers process', () => {
  it('runs leader-only engines at once, again at once after a restart (same leadership, no wait for a grace)', async () => {
    dir = await makeTempDir('tide-up-triggers-');
    const starts = { count: 0, running: 0 };
    const lines: string[] = [];
    tide = await upOn(dir.path, countingEngine(starts), lines);
    await eventually(() => expect(starts.running).toBe(1), { timeoutMs: 5_000, intervalMs: 10 });
    expect(lines.join('\n')).toMatch(/triggers started: engines cron, following the embedded log in .*, delivering through http:\/\/127\.0\.0\.1:\d+/);
    expect(tide.store.state().leaders.triggers?.epoch).toBe(1);
    await tide.stop();
    expect(starts.running).toBe(0);

    tide = await upOn(dir.path, countingEngine(starts), lines);
    await eventually(() => expect(starts.running).toBe(1), { timeoutMs: 5_000, intervalMs: 10 });
    // The restarted tide up holds the same leadership: no election was needed.
    expect(tide.store.state().leaders.triggers?.epoch).toBe(1);
    expect(starts.count).toBe(2);
  });
});
