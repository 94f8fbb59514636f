import { request, type Dispatcher } from 'undici';
import { apiHeaders } from '../support/api-auth.js';

/** The few Tide API calls the load runner makes; an unexpected status is an error that carries the body. */
export class TideApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${method} ${path} answered ${status}: ${body.slice(0, 500)}`);
    this.name = 'TideApiError';
  }
}

export const API_PATH = '/apis/tide.dev/v1/namespaces/default';

export interface PodView {
  metadata: { name: string };
  spec: { function: string };
  status: { phase: string };
}

export interface FunctionView {
  metadata: { name: string };
  status: { desiredReplicas: number };
}

export interface TideApi {
  readonly url: string;
  listPods(): Promise<PodView[]>;
  listFunctions(): Promise<FunctionView[]>;
  /** Deletes a function; one that is already gone is fine. */
  deleteFunction(name: string): Promise<void>;
}

export function createTideApi(url: string, dispatcher: Dispatcher): TideApi {
  const call = async (method: 'GET' | 'DELETE', path: string, okStatuses: number[] = []): Promise<unknown> => {
    const res = await request(`${url}${path}`, { method, dispatcher, headers: apiHeaders(url), headersTimeout: 15_000, bodyTimeout: 15_000 });
    const text = await res.body.text();
    if (res.statusCode >= 300 && !okStatuses.includes(res.statusCode)) throw new TideApiError(method, path, res.statusCode, text);
    return text ? (JSON.parse(text) as unknown) : undefined;
  };
  // Lists come a page at a time (metadata.continue, as Kubernetes): follow them to the end (bounded).
  const listAll = async <T>(path: string): Promise<T[]> => {
    const items: T[] = [];
    let token: string | undefined;
    for (let pages = 0; pages < 1000; pages++) {
      const page = (await call('GET', token === undefined ? path : `${path}?continue=${encodeURIComponent(token)}`)) as {
        items: T[];
        metadata?: { continue?: string };
      };
      items.push(...page.items);
      token = page.metadata?.continue;
      if (token === undefined) break;
    }
    return items;
  };
  return {
    url,
    listPods: () => listAll<PodView>(`${API_PATH}/pods`),
    listFunctions: () => listAll<FunctionView>(`${API_PATH}/functions`),
    deleteFunction: async (name) => void (await call('DELETE', `${API_PATH}/functions/${name}`, [404])),
  };
}

/** Pods per function name (any phase), for "has it scaled to zero?". */
export function podCounts(pods: readonly PodView[], names: readonly string[]): number[] {
  return names.map((name) => pods.filter((p) => p.spec.function === name).length);
}

export function readyCounts(pods: readonly PodView[], names: readonly string[]): number[] {
  return names.map((name) => pods.filter((p) => p.spec.function === name && p.status.phase === 'Ready').length);
}

/** Polls until none of `names` has a pod; throws with the counts left if `timeoutMs` passes first. */
export async function waitForNoPods(api: TideApi, names: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let left: number[] = [];
  for (let i = 0; i < 10_000 && Date.now() < deadline && !signal?.aborted; i++) {
    left = podCounts(await api.listPods(), names);
    if (left.every((n) => n === 0)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  signal?.throwIfAborted();
  throw new PodsRemainError(Object.fromEntries(names.flatMap((name, i) => ((left[i] ?? 0) > 0 ? [[name, left[i]!]] : []))), timeoutMs);
}

export class PodsRemainError extends Error {
  constructor(
    readonly podsLeft: Record<string, number>,
    readonly timeoutMs: number,
  ) {
    super(`pods still there after ${timeoutMs / 1000} s: ${JSON.stringify(podsLeft)}`);
    this.name = 'PodsRemainError';
  }
}
