import { join } from 'node:path';
import { build } from 'esbuild';

/** functions/hello bundled once, as `tide deploy` would; `distinct` makes copies with their own digest. */
export interface HelloBundle {
  bytes: Uint8Array;
  /** The same module plus a trailing comment naming `tag`: same code, another artifact digest. */
  distinct(tag: string): Uint8Array;
}

export async function bundleHello(repoRoot: string): Promise<HelloBundle> {
  const result = await build({ entryPoints: [join(repoRoot, 'functions/hello/src/index.ts')], bundle: true, format: 'esm', platform: 'node', write: false, logLevel: 'warning' });
  const bytes = result.outputFiles[0]!.contents;
  const encoder = new TextEncoder();
  return { bytes, distinct: (tag) => Buffer.concat([bytes, encoder.encode(`\n// bench deploy ${tag}\n`)]) };
}
