/**
 * The process the cron restart test kills: the embedded log in a directory, a state store and the
 * cron engine, its dispatcher posting every call to the test's HTTP server. Bundled by esbuild and
 * run with plain node:
 *
 *   node cron-child.mjs <log dir> <http://127.0.0.1:PORT>   prints "ready <pid>", runs until killed
 *
 * SIGTERM stops the engine gracefully; the test sends SIGKILL.
 */
import { metrics } from '@opentelemetry/api';
import { openStateStore, systemClock } from '@tide/core';
import { openEmbeddedLog } from '@tide/log';
import type { Delivery, DeliveryResult, Dispatcher } from '../dispatcher.js';
import { startCronTriggers } from './start-cron-triggers.js';

const [dir, callUrl] = process.argv.slice(2);
if (!dir || !callUrl) {
  process.stderr.write('usage: cron-child <log dir> <call url>\n');
  process.exit(2);
}

/** Posts a delivery as it is, `kind` in the path; no answer is a rejection, as the Dispatcher port says. */
const dispatcher: Dispatcher = {
  async deliver(delivery: Delivery): Promise<DeliveryResult> {
    const response = await fetch(`${callUrl}/${delivery.namespace}/${delivery.function}/${delivery.kind}`, {
      method: 'POST',
      headers: delivery.headers,
      body: delivery.body,
      ...(delivery.signal ? { signal: delivery.signal } : {}),
    });
    const body = new Uint8Array(await response.arrayBuffer());
    return { status: response.status, headers: Object.fromEntries(response.headers), body, noHandler: response.status === 501 };
  },
};

const log = await openEmbeddedLog(dir, { onWarning: (w) => process.stderr.write(`log: ${JSON.stringify(w)}\n`) });
const store = await openStateStore({ log, onError: (e) => process.stderr.write(`store: ${e.message}\n`) });
const engine = await startCronTriggers({
  store,
  log,
  bus: undefined as never,
  openExternalBus: () => Promise.reject(new Error('no external bus here')),
  dispatcher,
  clock: systemClock,
  meter: metrics.getMeter('cron-child'),
  identity: `cron-child-${process.pid}`,
  report: (line) => process.stdout.write(`${line}\n`),
  onError: (error) => process.stderr.write(`cron: ${error.message}\n`),
});
process.stdout.write(`ready ${process.pid}\n`);
process.once('SIGTERM', async () => {
  await engine.stop();
  await store.close();
  await log.close();
  process.exit(0);
});
