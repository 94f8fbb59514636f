import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, repoRoot, runCli, startTide, startTideCommand, stopTide, type TideProcess } from '../support/tide-process.js';

/**
 * `tide init` writes functions that `tide deploy` deploys as they are, and `tide dev` redeploys one
 * on every save, keeping the old revision when a save does not build. Functions are written outside
 * the repository (a temp dir), as a user's are.
 */
let tide: TideProcess | undefined;
let work: { path: string; remove: () => Promise<void> };
let server: string;

beforeAll(async () => {
  work = await makeTempDir('tide-init-dev-');
  tide = await startTide({ dataDir: join(work.path, 'data'), port: await freePort() });
  server = tide.url;
}, 60_000);

afterAll(async () => {
  await stopTide(tide);
  await work?.remove();
});

const cli = (args: string[]) => runCli(args, { server, timeoutMs: 90_000 });

async function call(name: string, path = '/'): Promise<string> {
  const result = await cli(['invoke', name, '--path', path]);
  if (result.code !== 0) throw new Error(`tide invoke ${name} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

describe('tide init', () => {
  it.each([
    ['hello', '/', /^Hello from fn-hello!\n$/],
    ['typescript', '/', /^Hello from fn-typescript!\n$/],
    ['hono', '/hello/tide', /^\{"hello":"tide"\}$/],
  ])(
    'writes a %s function that deploys as it is and answers',
    async (template, path, answer) => {
      const dir = join(work.path, `fn-${template}`);
      const init = await cli(['init', dir, '--template', template]);
      expect(init.code, init.stderr).toBe(0);
      expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))).toMatchObject({ name: `fn-${template}` });
      expect(readFileSync(join(dir, 'README.md'), 'utf8')).toMatch(`tide deploy .\ntide invoke fn-${template}`);
      if (template === 'hono') {
        expect(init.stdout).toMatch(/npm install/);
        const missing = await cli(['deploy', dir]);
        expect(missing.code).toBe(1);
        expect(missing.stderr).toMatch(`hono is not installed: run \`npm install\` in ${dir}`);
        // What `npm install` leaves behind, without the network: hono in the function's node_modules.
        mkdirSync(join(dir, 'node_modules'));
        symlinkSync(join(repoRoot, 'node_modules/hono'), join(dir, 'node_modules/hono'));
      }
      const deployed = await cli(['deploy', dir]);
      expect(deployed.code, deployed.stderr).toBe(0);
      expect(deployed.stdout).toMatch(`fn-${template} is ready`);
      expect(await call(`fn-${template}`, path)).toMatch(answer);
    },
    120_000,
  );

  it('refuses a directory that is not empty, naming it (exit 1)', async () => {
    const dir = join(work.path, 'taken');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const result = await cli(['init', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(`${dir} is not empty`);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('refuses an unknown template, listing the templates (exit 2)', async () => {
    const result = await cli(['init', join(work.path, 'vue-app'), '--template', 'vue']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown template "vue": use one of\n\s+hello .*\n\s+hono .*\n\s+typescript /);
  });
});

describe('tide dev', () => {
  it('redeploys on every save, keeps the old revision when a save does not build, prints logs and exits 0 on Ctrl-C', async () => {
    const dir = join(work.path, 'live');
    expect((await cli(['init', dir])).code).toBe(0);
    const dev = await startTideCommand({ args: ['dev', dir, '--server', server], ready: /deployed live: revision live-\d+/, timeoutMs: 90_000 });
    try {
      expect(await call('live')).toBe('Hello from live!\n');
      await eventually(() => expect(dev.output()).toMatch(/\[live-\d+-\w+\] GET \//), { timeoutMs: 30_000 });

      const entry = join(dir, 'src/index.js');
      writeFileSync(entry, readFileSync(entry, 'utf8').replace('Hello from', 'Howdy from'));
      await eventually(async () => expect(await call('live')).toBe('Howdy from live!\n'), { timeoutMs: 60_000, intervalMs: 200 });
      expect(dev.output()).toMatch(/\[\d\d:\d\d:\d\d\] redeployed live: revision live-\d+ \(\d+ ms\)/);

      writeFileSync(entry, `${readFileSync(entry, 'utf8')}\nexport const broken = ;\n`);
      await eventually(() => expect(dev.output()).toMatch(/src\/index\.js:\d+: Unexpected ";"[\s\S]*live-\d+ keeps serving/), { timeoutMs: 60_000 });
      expect(await call('live')).toBe('Howdy from live!\n');
    } finally {
      dev.child.kill('SIGINT');
    }
    expect(await dev.exited).toEqual({ code: 0, signal: null });
  }, 180_000);
});
