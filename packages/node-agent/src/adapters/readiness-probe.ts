import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/** The header the runtime answers itself (see @tide/runtime PROBE_HEADER). */
const PROBE_HEADERS = { 'tide-probe': 'readiness' };

/** Probes until the runtime answers 200; false if `signal` aborts first (the pod exited or ran out of time). */
export async function probeUntilReady(host: string, port: number, signal: AbortSignal, retryMs = 25): Promise<boolean> {
  while (!signal.aborted) {
    if (await probeOnce(host, port, signal)) return true;
    await sleep(retryMs).catch(() => {});
  }
  return false;
}

function probeOnce(host: string, port: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    // agent: false = a fresh connection, closed after the answer: a probe holds no pooled socket.
    const probe = request({ host, port, path: '/', method: 'GET', headers: PROBE_HEADERS, agent: false, signal, timeout: 2_000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    probe.on('timeout', () => probe.destroy());
    probe.on('error', () => resolve(false));
    probe.end();
  });
}
