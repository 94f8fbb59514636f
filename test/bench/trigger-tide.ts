import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TRIGGER_ENGINES } from '@tide/triggers';
import { rememberApiToken } from '../support/api-auth.js';
import * as tideProcess from '../support/tide-process.js';
import type { TideProcess } from '../support/tide-process.js';

/** How section 11's Tide runs Kafka triggers: the CLI's own `tide up`, or `up()` given the engine (tide-up-triggers.mjs). */
export type TriggerTideLaunch = 'tide up' | 'up() + kafkaTriggersEngine';

/**
 * The CLI's `tide up` once its triggers process runs a Kafka-trigger engine (TRIGGER_ENGINES names
 * one); until then the same `up()` composed with the engine by test/bench/tide-up-triggers.mjs.
 */
export function triggerTideLaunch(): TriggerTideLaunch {
  return TRIGGER_ENGINES.some((engine) => engine.name === 'kafka') ? 'tide up' : 'up() + kafkaTriggersEngine';
}

/** Starts that Tide on the embedded log in `dataDir`, or on `brokers`; resolves once it says it is up, its admin token remembered for the API calls. */
export async function startTriggerTide(options: {
  dataDir: string;
  brokers?: readonly string[];
  podPorts?: readonly number[];
  timeoutMs: number;
}): Promise<TideProcess> {
  const tide = await launch(options);
  rememberApiToken(tide.url, tideProcess.adminTokenIn(options.dataDir));
  return tide;
}

async function launch(options: { dataDir: string; brokers?: readonly string[]; podPorts?: readonly number[]; timeoutMs: number }): Promise<TideProcess> {
  const port = await tideProcess.freePort();
  const brokers = options.brokers?.join(',') ?? '';
  if (triggerTideLaunch() === 'tide up')
    return tideProcess.startTide({
      dataDir: options.dataDir,
      port,
      // The probe reports to the bench's collector on this machine, a port sandboxed pods may not reach unless told.
      args: (options.podPorts ?? []).flatMap((podPort) => ['--allow-pod-port', String(podPort)]),
      env: brokers ? { TIDE_KAFKA_BROKERS: brokers } : {},
      timeoutMs: options.timeoutMs,
    });
  const child = spawn(process.execPath, [join(tideProcess.repoRoot, 'test/bench/tide-up-triggers.mjs'), options.dataDir, String(port), brokers], {
    cwd: tideProcess.repoRoot,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + options.timeoutMs;
  while (!/Tide is up at/.test(output)) {
    if (gone) throw new Error(`tide-up-triggers.mjs exited before it was up:\n${output.slice(-4_000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`tide-up-triggers.mjs was not up within ${options.timeoutMs} ms:\n${output.slice(-4_000)}`);
    }
    await sleep(20);
  }
  return { child, url: `http://127.0.0.1:${port}`, output: () => output, exited };
}
