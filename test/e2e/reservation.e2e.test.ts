import { spawn } from 'node:child_process';
import { makeTempDir } from '@tide/testkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { componentToken } from '../support/component-tokens.js';
import { baseEnv, freePort, repoRoot, runCli, startTide, stopTide, type TideProcess } from '../support/tide-process.js';

/** The smoke run deploys three functions and two triggers, spikes 100 reservations and waits for zero pods: a few minutes at most on a busy machine. */
const RUN_TIMEOUT_MS = 8 * 60_000;

/** Runs the README's command for the pipeline (`--smoke`: 100 reservations) and collects what it prints. */
function runSmoke(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', 'load', '--', 'reservations', '--smoke'], {
      cwd: repoRoot,
      // The run's CLI config (TIDE_CONFIG): the load runner's tide up names its admin token there, not in ~/.config.
      env: baseEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      reject(new Error(`npm run load -- reservations --smoke did not finish in ${RUN_TIMEOUT_MS / 60_000} min:\n${output.slice(-4_000)}`));
    }, RUN_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('the reservation pipeline (npm run load -- reservations --smoke)', () => {
  it(
    'reserves every accepted reservation once, and gate and reserve go back to zero pods',
    async () => {
      const { code, output } = await runSmoke();
      const figure = (label: string) => new RegExp(`^${label}\\s+(\\d+)`, 'm').exec(output)?.[1];
      expect({ code, tail: code === 0 ? '' : output.slice(-3_000) }).toEqual({ code: 0, tail: '' });
      expect(figure('accepted')).toBe('100');
      expect(figure('reserved')).toBe('100');
      expect(figure('lost')).toBe('0');
      expect(figure('doubled')).toBe('0'); // though every 10th was sent twice with its id
      expect(figure('out of order')).toBe('0');
      expect(output).toMatch(/^drained in {3}\d+\.\d s from the spike's start/m);
      // Scaled out for the spike, back at zero after it.
      for (const fn of ['gate', 'reserve']) expect(output).toMatch(new RegExp(`^ {2}${fn} +[1-9]\\d* +[1-9]\\d* +\\d+\\.\\d s`, 'm'));
      // report's cron trigger ticked while the run went on (every 10 s).
      expect(output).toMatch(/^cron {9}report's trigger fired [1-9]\d* ticks/m);
      expect(output).toContain('OK: no reservation lost or doubled');
    },
    RUN_TIMEOUT_MS + 30_000,
  );
});

describe("gate's queue producer binding on tide up", () => {
  let tide: TideProcess | undefined;
  let data: Awaited<ReturnType<typeof makeTempDir>> | undefined;
  afterEach(async () => {
    await stopTide(tide);
    await data?.remove();
    tide = undefined;
    data = undefined;
  });

  it("puts an accepted reservation on the namespace's topic, keyed by person, with the caller's traceparent", async () => {
    data = await makeTempDir('tide-reservation-');
    tide = await startTide({ dataDir: data.path, port: await freePort(), timeoutMs: 60_000 });
    const deployed = await runCli(['deploy', 'functions/reservation/gate', '--min', '1'], { server: tide.url, timeoutMs: 90_000 });
    expect({ code: deployed.code, stderr: deployed.code === 0 ? '' : deployed.stderr }).toEqual({ code: 0, stderr: '' });
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const response = await fetch(`${tide.url}/fn/default/gate/reservations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent },
      body: JSON.stringify({ person: 'ada', slot: 'mon-09', id: 'r-1' }),
    });
    expect([response.status, await response.json()]).toEqual([202, { id: 'r-1' }]);
    // The topic's partitions on the embedded log, as the triggers process reads them (the raw log is for components).
    const triggers = { authorization: `Bearer ${await componentToken(tide.url, data.path, 'triggers')}` };
    const records = [];
    for (let partition = 0; partition < 4; partition++) {
      const text = await (await fetch(`${tide.url}/apis/tide.dev/v1/log/bus.default.reservations.${partition}`, { headers: triggers })).text();
      records.push(
        ...text
          .split('\n')
          .filter((line) => line.trim())
          .map((line) => JSON.parse(line) as { key: string; headers: Record<string, string>; value: string }),
      );
    }
    expect(records).toHaveLength(1);
    const [record] = records;
    expect(record!.key).toBe('ada');
    expect(record!.headers).toMatchObject({ 'content-type': 'application/json', traceparent: expect.stringMatching(/^00-0af7651916cd43dd8448eb211c80319c-/) });
    expect(JSON.parse(Buffer.from(record!.value, 'base64').toString())).toEqual({ id: 'r-1', person: 'ada', slot: 'mon-09' });
  }, 120_000);
});
