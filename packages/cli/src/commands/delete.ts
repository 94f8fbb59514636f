import { CliError, messageOf, type ApiClient } from '../api-client.js';
import { API, collectionPath } from '../paths.js';
import { notFound } from './get.js';

/** `tide delete function|trigger|secret|namespace|node NAME`: said as kubectl says it; a missing one names its namespace. */
export async function deleteObject(
  api: ApiClient,
  plural: 'functions' | 'triggers' | 'secrets' | 'namespaces' | 'nodes',
  namespace: string,
  name: string,
): Promise<string> {
  const res = await api.call('DELETE', `${collectionPath(plural, namespace)}/${encodeURIComponent(name)}`);
  if (res.status === 404) throw new CliError(notFound(plural, name, namespace));
  if (res.status >= 400) throw new CliError(`deleting ${plural.slice(0, -1)} "${name}" failed (${res.status}): ${messageOf(res.body)}`);
  return `${plural.slice(0, -1)} "${name}" deleted`;
}

/** `tide create namespace NAME`: an error if it exists, as kubectl create's is (apply is for updating). */
export async function createNamespace(api: ApiClient, name: string): Promise<string> {
  const path = `${API}/namespaces/${encodeURIComponent(name)}`;
  const existing = await api.call('GET', path);
  if (existing.status === 200) throw new CliError(`namespace "${name}" already exists`);
  const manifest = { apiVersion: 'tide.dev/v1', kind: 'Namespace', metadata: { name }, spec: {} };
  const res = await api.call('PUT', path, { data: JSON.stringify(manifest), contentType: 'application/json' });
  if (res.status >= 400) throw new CliError(`creating namespace "${name}" failed (${res.status}): ${messageOf(res.body)}`);
  return `namespace/${name} created`;
}
