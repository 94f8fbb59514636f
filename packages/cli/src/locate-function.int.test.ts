import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { makeTempDir } from '@tide/testkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { locateFunction } from './locate-function.js';

let dirs: { remove: () => Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(dirs.map((d) => d.remove()));
  dirs = [];
});

/** A function directory holding these files. */
async function functionDir(files: Record<string, string>): Promise<string> {
  const dir = await makeTempDir('tide-locate-');
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir.path, path)), { recursive: true });
    writeFileSync(join(dir.path, path), text);
  }
  return dir.path;
}

describe('locateFunction', () => {
  it.each([
    ['wrangler.toml main', { 'wrangler.toml': 'name = "w"\nmain = "src/worker.ts"\n', 'src/worker.ts': '', 'src/index.ts': '' }, 'src/worker.ts'],
    ['wrangler.jsonc main', { 'wrangler.jsonc': '{ "main": "app/main.js", // here\n}', 'app/main.js': '' }, 'app/main.js'],
    ['wrangler.json main', { 'wrangler.json': '{ "main": "worker.mjs" }', 'worker.mjs': '' }, 'worker.mjs'],
    [
      'the wrangler config before package.json',
      { 'wrangler.toml': 'main = "src/worker.ts"', 'package.json': '{ "main": "dist/index.js" }', 'src/worker.ts': '', 'dist/index.js': '' },
      'src/worker.ts',
    ],
    [
      'package.json module before main',
      { 'package.json': '{ "main": "dist/index.cjs", "module": "dist/index.mjs" }', 'dist/index.cjs': '', 'dist/index.mjs': '' },
      'dist/index.mjs',
    ],
    ['package.json main', { 'package.json': '{ "main": "lib/fn.js" }', 'lib/fn.js': '' }, 'lib/fn.js'],
    ['a .tsx index', { 'src/index.tsx': '' }, 'src/index.tsx'],
    ['a .jsx index', { 'index.jsx': '' }, 'index.jsx'],
    ['src/index.ts before index.js', { 'src/index.ts': '', 'index.js': '' }, 'src/index.ts'],
  ])('finds the entry from %s', async (_, files, entry) => {
    const dir = await functionDir(files);
    expect(locateFunction(dir).entry).toBe(join(dir, entry));
  });

  it('names the config that points at a missing entry', async () => {
    const dir = await functionDir({ 'wrangler.toml': 'main = "src/gone.ts"', 'src/index.ts': '' });
    expect(() => locateFunction(dir)).toThrow(/wrangler\.toml says src\/gone\.ts/);
  });

  it('names the function after package.json, else wrangler, else the directory, as a DNS label', async () => {
    expect(locateFunction(await functionDir({ 'package.json': '{ "name": "@acme/Shop_API" }', 'index.js': '' })).defaultName).toBe('shop-api');
    expect(locateFunction(await functionDir({ 'wrangler.toml': 'name = "edge-api"\nmain = "index.js"', 'index.js': '' })).defaultName).toBe('edge-api');
  });

  it("keeps the function's own tsconfig.json, which decides its JSX", async () => {
    const dir = await functionDir({ 'tsconfig.json': '{}', 'src/index.tsx': '' });
    expect(locateFunction(dir).tsconfig).toBe(join(dir, 'tsconfig.json'));
    expect(locateFunction(await functionDir({ 'src/index.tsx': '' })).tsconfig).toBeUndefined();
  });
});
