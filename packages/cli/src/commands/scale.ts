import type { TideFunction } from '@tide/core';
import { CliError, messageOf, type ApiClient } from '../api-client.js';
import { functionPath } from '../paths.js';
import { getOne } from './get.js';

const ATTEMPTS = 5;

/**
 * `tide scale`: the function's manifest with new scale bounds, applied on the version it was read
 * at (retried if something else changed it meanwhile). Scale is not part of the revision template,
 * so no new revision is made.
 */
export async function scaleFunction(api: ApiClient, namespace: string, name: string, bounds: { min?: number; max?: number }): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const fn = await getOne<TideFunction>(api, 'functions', namespace, name);
    const scale = { ...fn.spec.scale, ...bounds };
    const manifest = {
      apiVersion: fn.apiVersion,
      kind: fn.kind,
      metadata: { name, namespace, labels: fn.metadata.labels, annotations: fn.metadata.annotations, resourceVersion: fn.metadata.resourceVersion },
      spec: { ...fn.spec, scale },
    };
    const res = await api.call<TideFunction>('PUT', functionPath(namespace, name), { data: JSON.stringify(manifest), contentType: 'application/json' });
    if (res.status === 409 && attempt < ATTEMPTS) continue;
    if (res.status >= 400) throw new CliError(`scaling function/${name} failed (${res.status}): ${messageOf(res.body)}`);
    return `function/${name} scaled: ${scale.min}..${scale.max} replicas, serving ${res.body.status.latestRevision}`;
  }
}
