// Rewrites dist/main.js (as tsc emitted it) as one self-contained file, @hono/node-server included,
// and dist/ws-server.js as one with `ws` included.
// Every pod process and warm-pool process starts from it: resolving and loading ~10 ES modules one
// by one costs a spawned pod ~8 ms of its ~90 ms to Ready here (Node 20, measured with
// node-agent's scripts/measure-start.mjs against both forms, interleaved). dist/main.js straight
// from tsc keeps working, only slower, so a build without this step is still correct.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

/** Rewrites dist/<file> in place as one ESM file with what it imports inside, but `external`. */
function bundleInPlace(file, options) {
  const path = fileURLToPath(new URL(`../dist/${file}`, import.meta.url));
  return build({
    entryPoints: [path],
    outfile: path,
    allowOverwrite: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true, // chains tsc's map, so stacks still point into src/
    logLevel: 'warning',
    ...options,
  });
}

// `ws` is imported on a pod's first WebSocket only, from its own bundle below.
await bundleInPlace('main.js', { external: ['./ws-server.js'] });

// ws-server.js with `ws` inside: a sandboxed pod sees this directory, not node_modules. `ws` is
// CommonJS and requires Node's modules, so the ESM bundle gets a real `require` to give it.
await bundleInPlace('ws-server.js', {
  banner: { js: "import { createRequire as __tideCreateRequire } from 'node:module'; const require = __tideCreateRequire(import.meta.url);" },
  // Optional native speed-ups of ws: absent, it falls back to JavaScript.
  external: ['bufferutil', 'utf-8-validate'],
});
