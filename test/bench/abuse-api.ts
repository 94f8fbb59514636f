import { request } from 'undici';
import { apiHeaders } from '../support/api-auth.js';
import { TideApiError } from './tide-api.js';

/** The namespaced API calls section 13 makes (tide-api.ts speaks for the default namespace only), each checked. */
const API = '/apis/tide.dev/v1';

async function call(base: string, method: 'GET' | 'PUT' | 'DELETE', path: string, body?: string): Promise<unknown> {
  const res = await request(`${base}${path}`, {
    method,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
    ...(body === undefined ? {} : { body }),
    headers: { ...apiHeaders(base), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
  });
  const text = await res.body.text();
  if (res.statusCode >= 300 && !(method === 'DELETE' && res.statusCode === 404)) throw new TideApiError(method, path, res.statusCode, text);
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

export async function createNamespace(base: string, name: string): Promise<void> {
  await call(base, 'PUT', `${API}/namespaces/${name}`, JSON.stringify({ apiVersion: 'tide.dev/v1', kind: 'Namespace', metadata: { name }, spec: {} }));
}

/** A Function of one pod (min 1, max 1) in `namespace`; `spec` adds resources, timeoutSeconds and the like. */
export async function applyFunctionIn(base: string, namespace: string, name: string, digest: string, spec: Record<string, unknown>): Promise<void> {
  const manifest = {
    apiVersion: 'tide.dev/v1',
    kind: 'Function',
    metadata: { name },
    spec: { source: { artifact: digest }, scale: { min: 1, max: 1 }, ...spec },
  };
  await call(base, 'PUT', `${API}/namespaces/${namespace}/functions/${name}`, JSON.stringify(manifest));
}

export async function deleteFunctionIn(base: string, namespace: string, name: string): Promise<void> {
  await call(base, 'DELETE', `${API}/namespaces/${namespace}/functions/${name}`);
}

export interface NamespacedPod {
  name: string;
  function: string;
  phase: string;
  restartCount: number;
}

export async function listPodsIn(base: string, namespace: string): Promise<NamespacedPod[]> {
  const list = (await call(base, 'GET', `${API}/namespaces/${namespace}/pods`)) as {
    items: { metadata: { name: string }; spec: { function: string }; status: { phase: string; restartCount: number } }[];
  };
  return list.items.map((pod) => ({ name: pod.metadata.name, function: pod.spec.function, phase: pod.status.phase, restartCount: pod.status.restartCount }));
}

/** One call of a function through the gateway: its status (0 if it never answered) and how long it took, ms; `signal` ends it early. */
export async function callFunction(base: string, namespace: string, name: string, path: string, signal?: AbortSignal): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  try {
    const res = await request(`${base}/fn/${namespace}/${name}${path}`, { headersTimeout: 120_000, bodyTimeout: 120_000, ...(signal ? { signal } : {}) });
    await res.body.text();
    return { status: res.statusCode, ms: performance.now() - started };
  } catch {
    return { status: 0, ms: performance.now() - started };
  }
}
