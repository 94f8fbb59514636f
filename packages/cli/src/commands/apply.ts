import { readStdin } from '../stdin.js';
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { CliError, type ApiClient } from '../api-client.js';
import { manifestPath } from '../paths.js';

/** `tide apply -f file`: every document of a YAML or JSON file, each PUT at its kind's path. */
export async function applyFile(api: ApiClient, file: string, namespace: string): Promise<string[]> {
  let text: string;
  try {
    text = file === '-' ? (await readStdin()).toString('utf8') : await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const manifests = parseManifests(text, file);
  const paths = manifests.map((m) => manifestPath(m, namespace));
  const applied: string[] = [];
  for (const [i, manifest] of manifests.entries()) {
    const res = await api.call<{ metadata?: { name?: string }; message?: string }>('PUT', paths[i]!, {
      data: JSON.stringify(manifest),
      contentType: 'application/json',
    });
    if (res.status >= 400)
      throw new CliError(
        `${file}: document ${i + 1} (${String(manifest.kind)} ${String(manifest.metadata?.name)}) was rejected (${res.status}): ${res.body?.message ?? ''}`,
      );
    applied.push(`${String(manifest.kind).toLowerCase()}/${String(manifest.metadata?.name)} ${res.status === 201 ? 'created' : 'configured'}`);
  }
  return applied;
}

type Manifest = { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };

export function parseManifests(text: string, file: string): Manifest[] {
  if (/^\s*[[{]/.test(text)) {
    try {
      const parsed = JSON.parse(text) as Manifest | Manifest[];
      return Array.isArray(parsed) ? parsed : [parsed];
    } catch (error) {
      throw new CliError(`${file} is not valid JSON: ${(error as Error).message}`);
    }
  }
  const docs = parseAllDocuments(text);
  const manifests: Manifest[] = [];
  for (const doc of Array.isArray(docs) ? docs : []) {
    if (doc.errors.length) throw new CliError(`${file} is not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
    const value = doc.toJS() as Manifest | null;
    if (value === null) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw new CliError(`${file}: every document must be a manifest object`);
    manifests.push(value);
  }
  if (manifests.length === 0) throw new CliError(`${file} holds no manifest`);
  return manifests;
}
