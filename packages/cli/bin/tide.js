#!/usr/bin/env node
// The `tide` command. npm links a package's bin when it installs it, before anything is built, and
// cannot link or mark executable a file that does not exist yet: so the link points here, at a file
// in the repository, which loads the built CLI — building it first on a fresh clone.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  const repoRoot = new URL('../../../', import.meta.url);
  if (!existsSync(new URL('turbo.json', repoRoot))) {
    process.stderr.write('tide: this CLI is not built (no dist/main.js): run `npm run build` in its repository\n');
    process.exit(1);
  }
  process.stderr.write('tide: building Tide first (once after a fresh install; `npm run build` does the same)…\n');
  // Build output goes to stderr: what a command prints on stdout may be piped (`tide get -o json | jq`).
  const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
  const built = spawnSync(npx, ['turbo', 'run', 'build', '--filter=@tide/cli...', '--output-logs=errors-only'], { cwd: repoRoot, stdio: ['ignore', 2, 2] });
  if (built.status !== 0 || !existsSync(main)) {
    process.stderr.write(`tide: the build failed (${built.error?.message ?? `exit ${built.status}`}): run \`npm run build\` to see why\n`);
    process.exit(1);
  }
}
await import(main.href);
