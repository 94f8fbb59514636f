import { build, type BuildOptions, type Message } from 'esbuild';
import { join } from 'node:path';
import { CliError } from './api-client.js';
import type { FunctionSource } from './locate-function.js';

export { locateFunction, type FunctionSource } from './locate-function.js';

/**
 * How a function is bundled: as wrangler bundles a Worker, so a Workers app deploys unchanged.
 * wrangler (cloudflare/workers-sdk, packages/wrangler/src/deployment-bundle/bundle.ts) builds with
 * conditions ["workerd", "worker", "browser"] (WRANGLER_BUILD_CONDITIONS) on esbuild's browser
 * platform, whose main fields are browser, module, main: ES modules first. Tide runs on Node, so it
 * keeps the node platform (built-ins resolve) and drops "browser", but prefers ES modules the same
 * way. esbuild's node default, main before module, had cloudflare/templates' chanfana + zod app
 * answer 500 on /openapi.json: chanfana's CommonJS build require()d zod's CommonJS copy beside the
 * app's ES one, and zod's instanceof checks failed across the two copies. "import" among the
 * conditions sends a require() of a package with an exports map to the same ES file an import gets.
 */
export function bundleOptions(source: FunctionSource): BuildOptions {
  return {
    entryPoints: [source.entry],
    absWorkingDir: source.dir,
    // Not written: it names the place source map paths are relative to (src/index.ts, not ../../src/index.ts).
    outfile: join(source.dir, 'tide-bundle.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'import', 'module', 'default'],
    write: false,
    minify: false,
    // A stack trace names the function's file and line (the runtime must run with --enable-source-maps);
    // the source text itself is not needed for that and would double the upload.
    sourcemap: 'inline',
    sourcesContent: false,
    logLevel: 'silent',
    // JSX as the function's tsconfig.json says (jsx, jsxImportSource: hono/jsx for hono), else
    // React-style; an empty tsconfigRaw keeps a tsconfig.json of a parent directory out of it.
    ...(source.tsconfig ? { tsconfig: source.tsconfig } : { tsconfigRaw: {} }),
    // Lets bundled CommonJS dependencies call require() for Node built-ins inside an ES module.
    banner: { js: "import { createRequire as __tideCreateRequire } from 'node:module'; const require = __tideCreateRequire(import.meta.url);" },
  };
}

/** Bundles a function and everything it imports into one ES module for Node. */
export async function bundleFunction(source: FunctionSource): Promise<Uint8Array> {
  try {
    const result = await build({ ...bundleOptions(source), write: false });
    return result.outputFiles[0]!.contents;
  } catch (error) {
    throw bundleError(source, (error as { errors?: Message[] }).errors ?? [], error as Error);
  }
}

/** One error naming each problem's file and line, and what to do about a package that is not installed. */
export function bundleError(source: FunctionSource, errors: readonly Message[], cause?: Error): CliError {
  const detail = errors.map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`).join('\n  ');
  const missing = [
    ...new Set(
      errors.map((e) => /^Could not resolve "((?:@[^/"]+\/)?[^./"][^/"]*)/.exec(e.text)?.[1]).filter((m): m is string => !!m && !m.startsWith('node:')),
    ),
  ];
  const hint = missing.length ? `\n${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not installed: run \`npm install\` in ${source.dir}` : '';
  return new CliError(`bundling ${source.entry} failed:\n  ${detail || cause?.message || 'unknown error'}${hint}`);
}
