import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeTempDir } from '@tide/testkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { bundleFunction, locateFunction } from './bundle.js';

const fixtures = resolve(import.meta.dirname, '../../../test/fixtures/functions');
let dirs: { remove: () => Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(dirs.map((d) => d.remove()));
  dirs = [];
});

async function tempDir(): Promise<string> {
  const dir = await makeTempDir('tide-bundle-');
  dirs.push(dir);
  return dir.path;
}

/** The bundle as a file Node can import. */
async function bundleFile(functionDir: string): Promise<string> {
  const file = join(await tempDir(), 'artifact.mjs');
  writeFileSync(file, await bundleFunction(locateFunction(functionDir)));
  return file;
}

/** Calls the bundled module's fetch in a fresh Node, as a pod would; prints status, body and any stack. */
function callInNode(file: string, path = '/'): { status: string; stack: string } {
  const script = `const m = await import(${JSON.stringify(pathToFileURL(file).href)});
try { const res = await m.default.fetch(new Request('http://fn.test${path}'), {}, {}); console.log(res.status + ' ' + await res.text()); }
catch (error) { console.log('threw ' + error.stack); }`;
  const run = spawnSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  return { status: run.stdout.split('\n')[0] ?? '', stack: run.stdout + run.stderr };
}

describe('bundleFunction', () => {
  it('bundles one copy of zod for a Workers app whose packages import it as ES and as CommonJS', async () => {
    const bundle = new TextDecoder().decode(await bundleFunction(locateFunction(join(fixtures, 'zod-openapi'))));
    // esbuild heads each bundled file with a comment naming it: zod's core once, as an ES module.
    const zodCores = bundle.match(/^\/\/ .*node_modules\/zod\/v4\/core\/core\.c?js$/gm) ?? [];
    expect(zodCores).toHaveLength(1);
    const answer = callInNode(await bundleFile(join(fixtures, 'zod-openapi')), '/openapi.json');
    expect(answer.status).toMatch(/^200 /);
    expect(JSON.parse(answer.status.slice(4))).toEqual({
      openapi: '3.1.0',
      paths: { 'POST /todos': { schema: 'NewTodo' }, 'GET /todos/{id}': { schema: 'Todo' } },
    });
  });

  it("maps a thrown error's stack to the function's source file and line", async () => {
    const { stack } = callInNode(await bundleFile(join(fixtures, 'throws-with-stack')));
    expect(stack).toMatch(/order 7 has no lines/);
    expect(stack).toMatch(/src\/index\.ts:7:\d+/);
  });

  it("compiles JSX with hono's runtime when the function's tsconfig names hono/jsx", async () => {
    const answer = callInNode(await bundleFile(join(fixtures, 'hono-jsx')));
    expect(answer.status).toBe('200 <h1 class="greeting">Hello, JSX!</h1>');
  });

  it('compiles JSX React-style when the function has no tsconfig', async () => {
    const dir = await tempDir();
    writeFileSync(
      join(dir, 'index.jsx'),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the function's own template literal, written to a file
      'const React = { createElement: (tag, props, ...children) => `<${tag}>${children.join("")}</${tag}>` };\nexport default { fetch: () => new Response(<p>hi</p>) };\n',
    );
    expect(callInNode(await bundleFile(dir)).status).toBe('200 <p>hi</p>');
  });

  it('says which package is not installed and how to install it', async () => {
    const dir = await tempDir();
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src/index.ts'), "import { Hono } from 'hono';\nexport default new Hono();\n");
    await expect(bundleFunction(locateFunction(dir))).rejects.toThrow(
      new RegExp(`src/index\\.ts:1: Could not resolve "hono"[\\s\\S]*hono is not installed: run \`npm install\` in ${dir}`),
    );
  });
});
