/**
 * A writer process for the crash and lock tests, bundled by esbuild and run with plain node:
 *
 *   node log-child.mjs <dir> hold            opens the log, prints "ready <pid>", waits forever
 *   node log-child.mjs <dir> append <tag>    appends until killed; after each acknowledged
 *                                            append prints "<offset> <value>"
 *
 * Appends alternate between single awaited appends and bursts of concurrent ones, so a kill can
 * land anywhere in a write, an fsync or between batches.
 */
import { openEmbeddedLog } from './embedded-log.js';

const [dir, mode, tag] = process.argv.slice(2);
if (!dir || (mode !== 'hold' && mode !== 'append')) {
  process.stderr.write('usage: log-child <dir> hold | append <tag>\n');
  process.exit(2);
}

const log = await openEmbeddedLog(dir);
process.stdout.write(`ready ${process.pid}\n`);

if (mode === 'hold') {
  setInterval(() => undefined, 60_000);
} else {
  let n = 0;
  for (let round = 0; ; round++) {
    const burst = round % 3 === 0 ? 1 : 1 + (round % 17);
    await Promise.all(
      Array.from({ length: burst }, async () => {
        const value = `${tag}-${n++}`;
        const [offset] = await log.append('crash', [{ value, key: tag }]);
        // Pipes are written synchronously on Linux: once this returns, the parent will see it.
        process.stdout.write(`${offset} ${value}\n`);
      }),
    );
  }
}
