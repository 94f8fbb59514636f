import { build } from 'esbuild';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { CliError } from './api-client.js';

const ENTRY_CANDIDATES = ['src/index.ts', 'src/index.js', 'src/index.mjs', 'index.ts', 'index.js', 'index.mjs'];

export interface FunctionSource {
  dir: string;
  entry: string;
  /** package.json name (scope dropped), else the directory's name. */
  defaultName: string;
}

/** Finds a function's entry module: package.json "main", else a conventional index file. */
export function locateFunction(path: string): FunctionSource {
  const dir = resolve(path);
  if (!existsSync(dir)) throw new CliError(`${path}: no such directory`);
  if (statSync(dir).isFile()) return { dir: resolve(dir, '..'), entry: dir, defaultName: basename(dir).replace(/\.[cm]?[jt]s$/, '') };
  let pkg: { name?: string; main?: string } = {};
  const pkgPath = join(dir, 'package.json');
  if (existsSync(pkgPath)) {
    try {
      pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as typeof pkg;
    } catch (error) {
      throw new CliError(`${pkgPath} is not valid JSON: ${(error as Error).message}`);
    }
  }
  const candidates = pkg.main ? [pkg.main] : ENTRY_CANDIDATES;
  const entry = candidates.map((c) => join(dir, c)).find((p) => existsSync(p));
  if (!entry) throw new CliError(`${path}: no entry module found (looked for ${candidates.join(', ')}); set "main" in package.json`);
  const defaultName = (pkg.name?.replace(/^@[^/]+\//, '') ?? basename(dir)).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  return { dir, entry, defaultName };
}

/** Bundles a function and everything it imports into one ES module for Node. */
export async function bundleFunction(source: FunctionSource): Promise<Uint8Array> {
  try {
    const result = await build({
      entryPoints: [source.entry],
      absWorkingDir: source.dir,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      minify: false,
      sourcemap: 'inline',
      logLevel: 'silent',
      // Lets bundled CommonJS dependencies call require() for Node built-ins inside an ES module.
      banner: { js: "import { createRequire as __tideCreateRequire } from 'node:module'; const require = __tideCreateRequire(import.meta.url);" },
    });
    return result.outputFiles[0]!.contents;
  } catch (error) {
    const errors = (error as { errors?: { text: string; location?: { file: string; line: number } }[] }).errors ?? [];
    const detail = errors.map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`).join('\n  ');
    throw new CliError(`bundling ${source.entry} failed:\n  ${detail || (error as Error).message}`);
  }
}
