/** One call of a neighbouring function, as its caller saw it. */
export interface NeighbourSample {
  /** When the call was sent (epoch ms). */
  at: number;
  ms: number;
  status: number;
}

/**
 * A worker thread's source (`new Worker(NEIGHBOUR_CALLER, { eval: true, workerData: { url, everyMs } })`):
 * sequential calls of `url`, `everyMs` apart (a steady load, not a wait), each posted back as a
 * NeighbourSample; it stops on any message. On a thread of its own, so that the caller's own
 * synchronous work (/proc scans, spawnSync) does not count as the neighbour's latency.
 */
export const NEIGHBOUR_CALLER = `
const { parentPort, workerData } = require('node:worker_threads');
let running = true;
parentPort.on('message', () => (running = false));
(async () => {
  while (running) {
    const at = Date.now();
    const started = performance.now();
    let status = 0;
    try {
      const res = await fetch(workerData.url);
      await res.text();
      status = res.status;
    } catch {}
    parentPort.postMessage({ at, ms: performance.now() - started, status });
    await new Promise((resolve) => setTimeout(resolve, workerData.everyMs));
  }
  parentPort.close();
})();`;
