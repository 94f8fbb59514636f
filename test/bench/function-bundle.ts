import { join } from 'node:path';
import { build } from 'esbuild';

/** A function of functions/ bundled once, as `tide deploy` would; `distinct` makes copies with their own digest. */
export interface FunctionBundle {
  bytes: Uint8Array;
  /** The same module plus a trailing comment naming `tag`: same code, another artifact digest. */
  distinct(tag: string): Uint8Array;
}

export async function bundleFunction(repoRoot: string, name: string): Promise<FunctionBundle> {
  const result = await build({
    entryPoints: [join(repoRoot, 'functions', name, 'src/index.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    logLevel: 'warning',
  });
  const bytes = result.outputFiles[0]!.contents;
  const encoder = new TextEncoder();
  return { bytes, distinct: (tag) => Buffer.concat([bytes, encoder.encode(`\n// bench deploy ${tag}\n`)]) };
}
