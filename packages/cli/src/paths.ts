import { CliError } from './api-client.js';

export const API = '/apis/tide.dev/v1';

const PLURALS: Record<string, string> = {
  function: 'functions',
  functions: 'functions',
  fn: 'functions',
  pod: 'pods',
  pods: 'pods',
  po: 'pods',
  revision: 'revisions',
  revisions: 'revisions',
  rev: 'revisions',
  namespace: 'namespaces',
  namespaces: 'namespaces',
  ns: 'namespaces',
  node: 'nodes',
  nodes: 'nodes',
  trigger: 'triggers',
  triggers: 'triggers',
  secret: 'secrets',
  secrets: 'secrets',
};
const PLURAL_OF_KIND: Record<string, string> = { Function: 'functions', Namespace: 'namespaces', Trigger: 'triggers', Secret: 'secrets' };

export function pluralOf(resource: string): string {
  const plural = PLURALS[resource.toLowerCase()];
  if (!plural) throw new CliError(`unknown resource type "${resource}": use one of functions, pods, revisions, namespaces, nodes, triggers, secrets`);
  return plural;
}

export function collectionPath(plural: string, namespace: string): string {
  return plural === 'namespaces' || plural === 'nodes' ? `${API}/${plural}` : `${API}/namespaces/${namespace}/${plural}`;
}

export function functionPath(namespace: string, name: string): string {
  return `${API}/namespaces/${namespace}/functions/${encodeURIComponent(name)}`;
}

/** The path a manifest is applied at, from its kind. */
export function manifestPath(manifest: { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } }, defaultNamespace: string): string {
  const kind = String(manifest.kind ?? '');
  const plural = PLURAL_OF_KIND[kind];
  if (!plural) throw new CliError(`cannot apply kind "${kind || '(missing)'}": supported kinds are ${Object.keys(PLURAL_OF_KIND).join(', ')}`);
  const name = manifest.metadata?.name;
  if (typeof name !== 'string' || !name) throw new CliError(`${kind} manifest has no metadata.name`);
  const namespace = typeof manifest.metadata?.namespace === 'string' ? manifest.metadata.namespace : defaultNamespace;
  return `${collectionPath(plural, namespace)}/${encodeURIComponent(name)}`;
}
