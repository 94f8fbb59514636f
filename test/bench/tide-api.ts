import { request } from 'undici';
import { apiHeaders } from '../support/api-auth.js';

/** The few calls of the Tide API the bench makes, each checked: an unexpected status is an error with the body. */
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

const API = '/apis/tide.dev/v1';
const TIMEOUTS = { headersTimeout: 30_000, bodyTimeout: 30_000 };

export interface PodItem {
  metadata: { name: string };
  spec: { function: string };
  status: { phase: string; endpoint?: string };
}

async function call(base: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: string | Uint8Array, contentType?: string): Promise<unknown> {
  const res = await request(`${base}${path}`, {
    method,
    ...TIMEOUTS,
    ...(body === undefined ? {} : { body }),
    headers: { ...apiHeaders(base), ...(contentType ? { 'content-type': contentType } : {}) },
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new TideApiError(method, path, res.statusCode, text);
  return JSON.parse(text) as unknown;
}

/** Uploads a bundled function module; resolves with its digest. */
export async function uploadArtifact(base: string, bundle: Uint8Array): Promise<string> {
  return ((await call(base, 'POST', `${API}/artifacts`, bundle)) as { digest: string }).digest;
}

/** spec.scale of a Function (the server fills in what is left out). */
export interface ScaleSettings {
  min?: number;
  max?: number;
  target?: number;
  scaleToZeroAfterSeconds?: number;
  stableWindowSeconds?: number;
}

/**
 * spec.resources of a function whose pod serves a throughput measurement: its CPU quota is raised
 * to two cores (cpuLimitMilli; the default one core would measure the quota, not the platform),
 * while it reserves the default 100m: reserving 2000m, the 4 hello pods section 4's c=32 scales
 * to filled a 2-core machine's node (4 × 2000m of 8000m), and section 5's pods could not start.
 */
export const UNTHROTTLED = { memoryMb: 128, cpuMilli: 100, cpuLimitMilli: 2_000 } as const;

/** Applies a Function that runs `digest` (by default min 1 pod), with `env` as its vars; resolves once the API acknowledged it. */
export async function applyFunction(
  base: string,
  name: string,
  digest: string,
  scale: ScaleSettings = { min: 1 },
  env: Record<string, string> = {},
  resources?: { memoryMb: number; cpuMilli: number; cpuLimitMilli?: number },
): Promise<void> {
  const spec = { source: { artifact: digest }, scale, env, ...(resources ? { resources } : {}) };
  const manifest = { apiVersion: 'tide.dev/v1', kind: 'Function', metadata: { name }, spec };
  await call(base, 'PUT', `${API}/namespaces/default/functions/${name}`, JSON.stringify(manifest), 'application/json');
}

export async function deleteFunction(base: string, name: string): Promise<void> {
  await call(base, 'DELETE', `${API}/namespaces/default/functions/${name}`);
}

export async function listPods(base: string): Promise<PodItem[]> {
  return ((await call(base, 'GET', `${API}/namespaces/default/pods`)) as { items: PodItem[] }).items;
}

/** spec.kafka of a Trigger (the server fills in what is left out). */
export interface KafkaTriggerSettings {
  topics: string[];
  startFrom?: 'latest' | 'earliest';
  batchSize?: number;
  ordering?: 'key' | 'partition' | 'none';
  maxInFlight?: number;
}

/** Applies a Kafka Trigger on the namespace's topics calling `fn`; resolves once the API acknowledged it. */
export async function applyKafkaTrigger(
  base: string,
  name: string,
  fn: string,
  delivery: 'auto' | 'cloudevent' | 'handler',
  kafka: KafkaTriggerSettings,
): Promise<void> {
  const manifest = { apiVersion: 'tide.dev/v1', kind: 'Trigger', metadata: { name }, spec: { function: fn, delivery, kafka } };
  await call(base, 'PUT', `${API}/namespaces/default/triggers/${name}`, JSON.stringify(manifest), 'application/json');
}

export interface RecordToPublish {
  key?: string;
  value: unknown;
}

/** Publishes records to the default namespace's `topic` through the records API; resolves with where they went. */
export async function publishRecords(base: string, topic: string, records: readonly RecordToPublish[]): Promise<{ partition: number; offset: number }[]> {
  const body = JSON.stringify({ records });
  return (
    (await call(base, 'POST', `${API}/namespaces/default/topics/${topic}/records`, body, 'application/json')) as {
      records: { partition: number; offset: number }[];
    }
  ).records;
}
