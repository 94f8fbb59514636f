// Rewrites dist/main.js (as tsc emitted it) as one self-contained file, @hono/node-server included.
// Every pod process and warm-pool process starts from it: resolving and loading ~10 ES modules one
// by one costs a spawned pod ~8 ms of its ~90 ms to Ready here (Node 20, measured with
// node-agent's scripts/measure-start.mjs against both forms, interleaved). dist/main.js straight
// from tsc keeps working, only slower, so a build without this step is still correct.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const mainJs = fileURLToPath(new URL('../dist/main.js', import.meta.url));
await build({
  entryPoints: [mainJs],
  outfile: mainJs,
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true, // chains tsc's map, so stacks still point into src/
  // `ws` is imported on a pod's first WebSocket only (and is CommonJS, which an ESM bundle cannot require).
  external: ['ws'],
  logLevel: 'warning',
});
