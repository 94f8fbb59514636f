import { readFile } from 'node:fs/promises';
import { CliError, messageOf, type ApiClient } from '../api-client.js';
import { API } from '../paths.js';
import { age } from '../format.js';

/** A secret as the API shows it: key names and their sizes in bytes, never a value. */
export interface ShownSecret {
  metadata: { name: string; namespace?: string; creationTimestamp: string; labels: Record<string, string> };
  type: string;
  keys: Record<string, number>;
}

const secretPath = (namespace: string, name: string) => `${API}/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`;

/** `K=V`, split at the first "=": the value is kept exactly (no trimming), and never echoed in an error. */
export function literalPair(pair: string, flag: string): [string, string] {
  const at = pair.indexOf('=');
  if (at <= 0) throw new CliError(`--${flag} must look like KEY=VALUE: one given has no key before an "="`, 2);
  return [pair.slice(0, at), pair.slice(at + 1)];
}

/** An env file as kubectl reads one: KEY=VALUE lines; blank lines and `#` comments skipped. */
export function envFileEntries(text: string, file: string): [string, string][] {
  const entries: [string, string][] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const at = line.indexOf('=');
    if (at <= 0) throw new CliError(`${file} line ${i + 1} is not KEY=VALUE`, 2);
    entries.push([line.slice(0, at).trim(), line.slice(at + 1)]);
  });
  return entries;
}

/** The data of `tide create secret`: literals, files (`K=PATH`, the whole file) and env files, a key given twice refused. */
export async function secretData(sources: {
  literals: readonly string[];
  files: readonly string[];
  envFiles: readonly string[];
}): Promise<Record<string, string>> {
  const entries: [string, string][] = sources.literals.map((pair) => literalPair(pair, 'from-literal'));
  for (const pair of sources.files) {
    const [key, path] = literalPair(pair, 'from-file');
    entries.push([key, await readFile(path, 'utf8').catch((error: Error) => Promise.reject(new CliError(`--from-file ${key}: ${error.message}`)))]);
  }
  for (const file of sources.envFiles)
    entries.push(
      ...envFileEntries(await readFile(file, 'utf8').catch((error: Error) => Promise.reject(new CliError(`--from-env-file: ${error.message}`))), file),
    );
  const data: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (key in data) throw new CliError(`key ${key} is given twice`, 2);
    data[key] = value;
  }
  if (Object.keys(data).length === 0)
    throw new CliError('give the secret at least one key: --from-literal KEY=VALUE, --from-file KEY=PATH or --from-env-file FILE', 2);
  return data;
}

/** `tide create secret NAME`: an error if it exists, as kubectl create's is; the values go to the API only. */
export async function createSecret(api: ApiClient, namespace: string, name: string, data: Record<string, string>, type?: string): Promise<string> {
  const path = secretPath(namespace, name);
  const existing = await api.call('GET', path);
  if (existing.status === 200) throw new CliError(`secret "${name}" already exists in namespace ${namespace}`);
  const manifest = { apiVersion: 'tide.dev/v1', kind: 'Secret', metadata: { name }, ...(type ? { type } : {}), data };
  const res = await api.call('PUT', path, { data: JSON.stringify(manifest), contentType: 'application/json' });
  if (res.status >= 400) throw new CliError(`creating secret "${name}" failed (${res.status}): ${messageOf(res.body)}`);
  return `secret/${name} created`;
}

/** `tide describe secret NAME`, as kubectl's: its keys and their sizes, never the values. */
export async function describeSecret(api: ApiClient, namespace: string, name: string): Promise<string> {
  const res = await api.call<ShownSecret>('GET', secretPath(namespace, name));
  if (res.status === 404) throw new CliError(`secret "${name}" not found in namespace ${namespace}`);
  if (res.status >= 400) throw new CliError(`getting secret "${name}" failed (${res.status}): ${messageOf(res.body)}`);
  const secret = res.body;
  const labels = Object.entries(secret.metadata.labels).map(([k, v]) => `${k}=${v}`);
  return [
    `Name:       ${secret.metadata.name}`,
    `Namespace:  ${namespace}`,
    `Labels:     ${labels.join(',') || '<none>'}`,
    `Type:       ${secret.type}`,
    `Age:        ${age(secret.metadata.creationTimestamp)}`,
    '',
    'Data',
    '====',
    ...Object.entries(secret.keys).map(([key, bytes]) => `${key}:  ${bytes} bytes`),
  ].join('\n');
}
