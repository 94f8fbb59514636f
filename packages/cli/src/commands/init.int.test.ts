import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '@tide/testkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { locateFunction } from '../bundle.js';
import { initFunction } from './init.js';
import { TEMPLATES } from './templates/function-templates.js';

let dirs: { remove: () => Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(dirs.map((d) => d.remove()));
  dirs = [];
});

async function tempDir(): Promise<string> {
  const dir = await makeTempDir('tide-init-');
  dirs.push(dir);
  return dir.path;
}

describe('templates', () => {
  it.each(Object.keys(TEMPLATES))('%s names the function in package.json, has an entry and a README saying how to deploy and call it', (template) => {
    const files = TEMPLATES[template as keyof typeof TEMPLATES].files('shop');
    const pkg = JSON.parse(files['package.json']!) as { name: string; main: string; type: string };
    expect(pkg).toMatchObject({ name: 'shop', type: 'module' });
    expect(files[pkg.main]).toMatch(/export default/);
    expect(files['README.md']).toMatch(/tide deploy \.\ntide invoke shop\ncurl http:\/\/127\.0\.0\.1:8080\/fn\/default\/shop\//);
  });

  it('hono depends on hono and says to npm install it; the others depend on nothing at run time', () => {
    expect(JSON.parse(TEMPLATES.hono.files('api')['package.json']!)).toMatchObject({ dependencies: { hono: expect.any(String) } });
    expect(TEMPLATES.hono.files('api')['README.md']).toMatch(/^npm install .*hono/m);
    for (const template of [TEMPLATES.hello, TEMPLATES.typescript]) expect(JSON.parse(template.files('x')['package.json']!).dependencies).toBeUndefined();
  });
});

describe('initFunction', () => {
  it('writes the template into a new directory, named after it, where locateFunction finds the entry', async () => {
    const dir = join(await tempDir(), 'My_Shop');
    const result = initFunction(dir, 'typescript');
    expect(result.name).toBe('my-shop');
    expect(result.files.sort()).toEqual(['README.md', 'package.json', 'src/index.ts', 'tsconfig.json']);
    expect(JSON.parse(readFileSync(join(dir, 'tsconfig.json'), 'utf8'))).toMatchObject({ compilerOptions: { strict: true } });
    expect(locateFunction(dir)).toMatchObject({ entry: join(dir, 'src/index.ts'), defaultName: 'my-shop' });
    expect(result.next).toEqual([`cd ${dir}`, 'tide deploy .', 'tide invoke my-shop']);
  });

  it('writes into an empty directory that exists', async () => {
    const dir = await tempDir();
    initFunction(dir, 'hello');
    expect(existsSync(join(dir, 'src/index.js'))).toBe(true);
  });

  it('tells to npm install only when a dependency cannot be resolved from the directory', async () => {
    const outside = join(await tempDir(), 'api');
    expect(initFunction(outside, 'hono').next).toContain('npm install');
    const inside = join(await tempDir(), 'api');
    mkdirSync(join(inside, '..', 'node_modules/hono'), { recursive: true });
    writeFileSync(join(inside, '..', 'node_modules/hono/package.json'), '{}');
    expect(initFunction(inside, 'hono').next).not.toContain('npm install');
  });

  it('refuses a directory that is not empty (exit 1), touching nothing', async () => {
    const dir = await tempDir();
    writeFileSync(join(dir, 'index.js'), 'mine');
    expect(() => initFunction(dir, 'hello')).toThrow(expect.objectContaining({ exitCode: 1, message: expect.stringContaining(`${dir} is not empty`) }));
    expect(readFileSync(join(dir, 'index.js'), 'utf8')).toBe('mine');
  });

  it('refuses an unknown template (exit 2), listing the templates', async () => {
    expect(() => initFunction(join(process.cwd(), 'never-written'), 'vue')).toThrow(
      expect.objectContaining({
        exitCode: 2,
        message: expect.stringMatching(/unknown template "vue": use one of\n {2}hello .*\n {2}hono .*\n {2}typescript /),
      }),
    );
  });
});
