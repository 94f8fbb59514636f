import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { CliError } from './api-client.js';
import { wranglerMain } from './wrangler-config.js';

/** Where a function's entry usually is when nothing names it: Workers templates use src/index.ts. */
const ENTRY_CANDIDATES = [
  'src/index.ts',
  'src/index.tsx',
  'src/index.js',
  'src/index.jsx',
  'src/index.mjs',
  'index.ts',
  'index.tsx',
  'index.js',
  'index.jsx',
  'index.mjs',
];

export interface FunctionSource {
  dir: string;
  entry: string;
  /** package.json name (scope dropped), else wrangler's name, else the directory's name. */
  defaultName: string;
  /** The function's own tsconfig.json, which decides how JSX compiles; absent: React-style JSX. */
  tsconfig?: string;
}

/**
 * Finds a function's entry module, in the order a Workers developer expects: the wrangler config's
 * `main` (wrangler.toml, wrangler.jsonc, wrangler.json: it is what `wrangler deploy` runs), then
 * package.json `module` (the ES module build) and `main`, then a conventional index file.
 */
export function locateFunction(path: string): FunctionSource {
  const dir = resolve(path);
  if (!existsSync(dir)) throw new CliError(`${path}: no such directory`);
  if (statSync(dir).isFile()) return { dir: resolve(dir, '..'), entry: dir, defaultName: dnsName(basename(dir).replace(/\.[cm]?[jt]sx?$/, '')) };
  const pkg = readPackageJson(dir);
  const wrangler = wranglerMain(dir);
  const named: [string, string][] = [
    ...(wrangler?.main ? [[wrangler.file, wrangler.main] as [string, string]] : []),
    ...(typeof pkg.module === 'string' ? [['package.json "module"', pkg.module] as [string, string]] : []),
    ...(typeof pkg.main === 'string' ? [['package.json "main"', pkg.main] as [string, string]] : []),
  ];
  const entry = named.length ? namedEntry(dir, path, named) : ENTRY_CANDIDATES.map((c) => join(dir, c)).find((p) => existsSync(p));
  if (!entry) throw new CliError(`${path}: no entry module found (looked for ${ENTRY_CANDIDATES.join(', ')}); set "main" in package.json`);
  const tsconfig = join(dir, 'tsconfig.json');
  return { dir, entry, defaultName: dnsName(pkg.name ?? wrangler?.name ?? basename(dir)), ...(existsSync(tsconfig) ? { tsconfig } : {}) };
}

/** The first named entry that exists; a name that points nowhere is an error naming who said it. */
function namedEntry(dir: string, path: string, named: readonly [string, string][]): string {
  const found = named.map(([, file]) => join(dir, file)).find((p) => existsSync(p) && statSync(p).isFile());
  if (found) return found;
  const said = named.map(([who, file]) => `${who} says ${file}`).join(', ');
  throw new CliError(`${path}: the entry module does not exist (${said}; looked in ${relative(process.cwd(), dir) || '.'})`);
}

function readPackageJson(dir: string): { name?: string; main?: unknown; module?: unknown } {
  const pkgPath = join(dir, 'package.json');
  if (!existsSync(pkgPath)) return {};
  try {
    return JSON.parse(readFileSync(pkgPath, 'utf8')) as { name?: string; main?: unknown; module?: unknown };
  } catch (error) {
    throw new CliError(`${pkgPath} is not valid JSON: ${(error as Error).message}`);
  }
}

/** A DNS-1123 label made from a package or directory name: `@acme/My_App` → my-app. */
export function dnsName(name: string): string {
  return name
    .replace(/^@[^/]+\//, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
}
