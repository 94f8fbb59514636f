import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import type { FunctionBundle } from './function-bundle.js';
import { applyFunction, listPods, UNTHROTTLED, uploadArtifact } from './tide-api.js';

const READY_TIMEOUT_MS = 30_000;

/** Deploys functions/hello as `hello` and resolves with the endpoint of its Ready pod once it answers. */
export async function deployHello(base: string, hello: FunctionBundle): Promise<{ podEndpoint: string }> {
  // Section 4 pushes thousands of calls a second through this pod, and only this pod: direct, nginx, the
  // minimal proxy and the gateway all reach the same one process, so no way gains pods the others lack.
  await applyFunction(base, 'hello', await uploadArtifact(base, hello.bytes), { min: 1, max: 1 }, {}, UNTHROTTLED);
  const deadline = performance.now() + READY_TIMEOUT_MS;
  for (;;) {
    const ready = (await listPods(base)).find((pod) => pod.spec.function === 'hello' && pod.status.phase === 'Ready' && pod.status.endpoint);
    if (ready?.status.endpoint && (await answers(`${ready.status.endpoint}/`)) && (await answers(`${base}/fn/default/hello`))) {
      return { podEndpoint: ready.status.endpoint };
    }
    if (performance.now() > deadline) throw new Error(`hello had no Ready pod answering 200 within ${READY_TIMEOUT_MS} ms of its deploy`);
    await sleep(20);
  }
}

async function answers(url: string): Promise<boolean> {
  const res = await request(url, { headersTimeout: READY_TIMEOUT_MS });
  const body = await res.body.text();
  return res.statusCode === 200 && body.startsWith('Hello');
}
