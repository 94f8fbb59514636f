import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/tide-process.js';

/** Every section's table title starts with its number; section 4 prints two tables (latency, then throughput). */
const SECTIONS = 13;
/** The bench's own watchdog stops it after 11 minutes; this bound is above it, so the bench reports first. */
const BOUND_MS = 12 * 60_000;

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `npm run bench -- --smoke`, literally, from the repository root. */
function runSmokeBench(): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', 'bench', '--', '--smoke'], {
      cwd: repoRoot,
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGINT'), BOUND_MS);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The line after a table's title is its header, and the one after that its rule of dashes. */
function hasTable(stdout: string, section: number): boolean {
  const lines = stdout.split('\n');
  return lines.some((line, i) => line.startsWith(`${section}. `) && /^-+( +-+)*$/.test(lines[i + 2] ?? ''));
}

describe('npm run bench -- --smoke', () => {
  it(
    "runs every section with tiny counts, prints each one's table and exits 0",
    async () => {
      const run = await runSmokeBench();
      const tail = `\n--- stdout (end) ---\n${run.stdout.slice(-3_000)}\n--- stderr (end) ---\n${run.stderr.slice(-3_000)}`;
      // A machine without a tool the bench needs fails here, naming the tool, before any other check.
      const missing = /^missing tools.*(?:\n {2}.*)*/m.exec(run.stdout)?.[0];
      expect(missing, `the bench ran without a tool it needs (.ci/run installs them with apt-get):\n${missing}`).toBeUndefined();
      for (let section = 1; section <= SECTIONS; section++) expect(hasTable(run.stdout, section), `section ${section} printed no table${tail}`).toBe(true);
      expect(run.stdout, tail).toMatch(/^done in [\d.]+ s; figures in .*results-smoke\.json$/m);
      expect({ code: run.code, signal: run.signal }, tail).toEqual({ code: 0, signal: null });
    },
    BOUND_MS + 30_000,
  );
});
