import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

export type TideProcessModule = typeof import('../support/tide-process.js');

/**
 * Loads test/support/tide-process.ts for the bench. It cannot simply be bundled into
 * test/bench/out/run.mjs: it finds the repository as `import.meta.url` + '../..', which from the
 * bundle is test/, not the root, so it would spawn test/packages/cli/dist/main.js. So it is
 * compiled on its own, with `import.meta.url` set to its real location, and imported at run time.
 * Once tide-process.ts finds the root without a fixed depth, a plain import can replace this.
 */
export async function loadTideProcessModule(repoRoot: string, outDir: string): Promise<TideProcessModule> {
  const source = join(repoRoot, 'test/support/tide-process.ts');
  const outfile = join(outDir, 'tide-process.mjs');
  await build({
    entryPoints: [source],
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    outfile,
    define: { 'import.meta.url': JSON.stringify(pathToFileURL(source).href) },
    logLevel: 'warning',
  });
  return (await import(pathToFileURL(outfile).href)) as TideProcessModule;
}
