import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { makeTempDir } from '@tide/testkit/testing';
import { repoRoot } from '../support/tide-process.js';
import { readmeBlocks, type ReadmeStep } from './readme-blocks.js';

/**
 * Runs every shell block of the README literally, from the repository root, as a new user would
 * after `npm ci`: the quick start's `npm start` serves on 127.0.0.1:8080 (the port the README's
 * commands name) while the other blocks run in order. Only the environment differs from a user's:
 * TIDE_DATA puts the data in a temporary directory instead of ./.tide, npm's global prefix is a
 * temporary one too, and so is the CLI's config (TIDE_CONFIG, where `npm start` names its admin token).
 */
const QUICK_START_RUN = 'npm ci && npm start';
/** The command this test runs under: it is not run again from inside itself. */
const QUICK_START_TEST = 'npm ci && npm test';
const blocks = readmeBlocks(readFileSync(join(repoRoot, 'README.md'), 'utf8'));
const tour = blocks.filter((b) => b.text.trim() !== QUICK_START_RUN && b.text.trim() !== QUICK_START_TEST);

let dataDir: Awaited<ReturnType<typeof makeTempDir>>;
let env: Record<string, string>;
let server: Running | undefined;

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Ended as Ctrl-C should end it: exit 0, or by the SIGINT itself — npm and npx re-raise the signal
 * once their child (which exits 0) is gone, so a shell shows 130 either way.
 */
const endedByCtrlC = (ended: Ended) => ended.code === 0 || ended.signal === 'SIGINT' || ended.code === 130;

interface Running {
  child: ChildProcess;
  output: () => string;
  /** Ctrl-C, as a terminal sends it to the whole process group; resolves with how it ended. */
  interrupt(): Promise<Ended>;
}

function start(command: string, ready: RegExp, timeoutMs: number): Promise<Running> {
  const child = spawn('bash', ['-c', command], { cwd: repoRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<Ended>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  const running: Running = {
    child,
    output: () => output,
    async interrupt() {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGINT');
      const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 30_000);
      const ended = await exited;
      clearTimeout(timer);
      return ended;
    },
  };
  return new Promise((resolveStart, reject) => {
    const deadline = setTimeout(() => {
      void running.interrupt();
      reject(new Error(`\`${command}\` was not ready within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const check = () => {
      if (ready.test(output)) {
        clearTimeout(deadline);
        child.stdout!.off('data', check);
        child.stderr!.off('data', check);
        resolveStart(running);
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    void exited.then((ended) => {
      clearTimeout(deadline);
      if (!ready.test(output)) reject(new Error(`\`${command}\` exited (${ended.code ?? ended.signal}) before it was ready:\n${output}`));
    });
  });
}

const portInUse = (port: number) =>
  new Promise<boolean>((resolveCheck) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolveCheck(true)));
    socket.once('error', () => resolveCheck(false));
  });

beforeAll(async () => {
  if (await portInUse(8080))
    throw new Error('port 8080 is in use: the README names it, so this test needs it free (stop what uses it, e.g. a `npm start` of your own)');
  dataDir = await makeTempDir('tide-readme-');
  // `npm link` installs globally: into a prefix of the test's own, so the machine's stays untouched.
  const npmPrefix = join(dataDir.path, 'npm-global');
  env = {
    PATH: `${join(npmPrefix, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: process.env.HOME ?? '/tmp',
    TIDE_DATA: dataDir.path,
    TIDE_CONFIG: join(dataDir.path, 'cli-config.json'),
    npm_config_prefix: npmPrefix,
  };
  expect(blocks.map((b) => b.text.trim())).toContain(QUICK_START_RUN);
  // `npm ci` has been run (it is how this test came to run); the rest of the line is run as written.
  server = await start(QUICK_START_RUN.replace('npm ci && ', ''), /Tide is up at/, 180_000);
}, 200_000);

afterAll(async () => {
  if (server) {
    const ended = await server.interrupt();
    expect(endedByCtrlC(ended), `npm start ended with ${ended.code ?? ended.signal}:\n${server.output().slice(-2000)}`).toBe(true);
    expect(server.output()).toMatch(/SIGINT: draining in-flight calls and stopping pods/);
    expect(server.output()).not.toMatch(/shutdown failed|unexpected error/);
  }
  await dataDir?.remove();
}, 60_000);

describe.sequential('the README, run as written', () => {
  it('quick start: npm start deploys the examples and prints their URLs', () => {
    expect(server!.output()).toMatch(/deployed hello .*curl http:\/\/127\.0\.0\.1:8080\/fn\/default\/hello/);
  });

  for (const block of tour) {
    it(`${block.section}: ${block.text.split('\n')[0]}`, async () => {
      const started: Running[] = [];
      try {
        for (const step of block.steps) started.push(...(await runStep(step)));
      } finally {
        for (const running of started.reverse()) {
          const ended = await running.interrupt();
          expect(endedByCtrlC(ended), `a command that runs until Ctrl-C ended with ${ended.code ?? ended.signal}:\n${running.output().slice(-2000)}`).toBe(
            true,
          );
          expect(running.output()).not.toMatch(/shutdown failed|unexpected error/);
        }
      }
    }, 900_000);
  }
});

async function runStep(step: ReadmeStep): Promise<Running[]> {
  if (step.kind === 'long-running') return [await start(step.command, step.ready, 120_000)];
  const result = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', step.script], { cwd: repoRoot, env, encoding: 'utf8', timeout: 800_000 });
  expect(result.status, `${step.script}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`).toBe(0);
  for (const text of step.expected) expect(result.stdout, step.script).toContain(text);
  return [];
}
