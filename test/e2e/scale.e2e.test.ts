import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectWellFormedXml } from '../load/well-formed-xml.js';
import { baseEnv, repoRoot } from '../support/tide-process.js';

/** The smoke run: 4 simulated nodes, 60 functions, histories of 2 000 and 6 000 events; well under a minute on a quiet machine. */
const RUN_TIMEOUT_MS = 6 * 60_000;

/** Runs the README's command (`npm run load -- scale --smoke`) and collects what it prints. */
function runSmoke(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', 'load', '--', 'scale', '--smoke'], { cwd: repoRoot, env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      reject(new Error(`npm run load -- scale --smoke did not finish in ${RUN_TIMEOUT_MS / 60_000} min:\n${output.slice(-4_000)}`));
    }, RUN_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('the scale run (npm run load -- scale --smoke)', () => {
  it(
    'measures every step against real control planes, with the simulated nodes reporting only what the fold lets them, and plots it',
    async () => {
      const { code, output } = await runSmoke();
      expect({ code, tail: code === 0 ? '' : output.slice(-3_000) }).toEqual({ code: 0, tail: '' });
      // A row per function step: functions, min-1 pods, ... and 0 reports refused at the end.
      for (const [functions, minOne] of [
        [20, 2],
        [60, 6],
      ])
        expect(output).toMatch(new RegExp(`^${functions} +${minOne} +\\d+ .* 0$`, 'm'));
      // A row per history length, with its start-up figures.
      for (const events of ['2,000', '6,000']) expect(output).toMatch(new RegExp(`^${events} +\\d+ +[\\d.]+ +[\\d.]+ +[\\d,]+ +\\d+ \\(\\d+\\)`, 'm'));
      expect(output).toContain('OK: every step measured');
      const result = JSON.parse(await readFile(join(repoRoot, 'test/load/out/scale-smoke.json'), 'utf8')) as {
        functionSteps: { functions: number; logEvents: number; controlPlane: { rssMb: number }; gateway: { rssMb: number } }[];
        eventSteps: { events: number; coldStartS: number }[];
      };
      expect(result.functionSteps.map((s) => s.functions)).toEqual([20, 60]);
      for (const step of result.functionSteps) {
        expect(step.controlPlane.rssMb).toBeGreaterThan(0);
        expect(step.gateway.rssMb).toBeGreaterThan(0);
      }
      expect(result.eventSteps.map((s) => s.events)).toEqual([2_000, 6_000]);
      for (const name of ['scale-functions-smoke.svg', 'scale-events-smoke.svg']) {
        const svg = await readFile(join(repoRoot, 'test/load/out', name), 'utf8');
        expectWellFormedXml(svg);
        expect(svg).toContain('<path');
      }
    },
    RUN_TIMEOUT_MS + 30_000,
  );
});
