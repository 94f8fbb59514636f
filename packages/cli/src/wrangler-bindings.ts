import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Binding } from '@tide/core';
import { CliError } from './api-client.js';
import { parseJsonc, WRANGLER_FILES } from './wrangler-config.js';
import { readWranglerToml } from './wrangler-toml.js';

/** The bindings a function's directory declares in its wrangler config (see wranglerBindingsOf). */
export function wranglerBindings(dir: string): Binding[] | undefined {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return undefined;
  const file = WRANGLER_FILES.find((f) => existsSync(join(dir, f)));
  if (!file) return undefined;
  const text = readFileSync(join(dir, file), 'utf8');
  return wranglerBindingsOf(file.endsWith('.toml') ? readWranglerToml(text, file) : parseJsonc(text, file), file);
}

/**
 * The bindings a Workers project's wrangler config declares, as a Function's `spec.bindings`:
 * each `[[kv_namespaces]]` `{binding, id}` a KV namespace of that id (a Tide KV namespace is named,
 * not numbered: the id is its name), each `[[queues.producers]]` `{binding, queue}` a queue
 * producer on the namespace's topic of that name. Undefined when the config declares neither, so a
 * deploy keeps the bindings the function has; the config that names them replaces them whole.
 * (`[[queues.consumers]]` are not bindings: they become Triggers, see wrangler-triggers.)
 */
export function wranglerBindingsOf(config: Record<string, unknown>, file: string): Binding[] | undefined {
  const kv = config.kv_namespaces;
  const producers = (config.queues as { producers?: unknown } | undefined)?.producers;
  if (kv === undefined && producers === undefined) return undefined;
  const bindings = [
    ...listOf(kv, 'kv_namespaces', file).map((entry, i) => parsed({ name: entry.binding, kv: entry.id }, `kv_namespaces[${i}]`, file)),
    ...listOf(producers, 'queues.producers', file).map((entry, i) => parsed({ name: entry.binding, queue: entry.queue }, `queues.producers[${i}]`, file)),
  ];
  const names = bindings.map((b) => b.name);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice) throw new CliError(`${file}: binding ${twice} is declared twice`, 2);
  return bindings;
}

function listOf(value: unknown, key: string, file: string): Record<string, unknown>[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'object' || v === null))
    throw new CliError(`${file}: ${key} must be a list of tables ([[${key}]])`, 2);
  return value as Record<string, unknown>[];
}

function parsed(binding: Record<string, unknown>, where: string, file: string): Binding {
  const result = Binding.safeParse(binding);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = { name: 'binding', kv: 'id', queue: 'queue' }[String(issue.path[0])] ?? issue.path.join('.');
  throw new CliError(`${file}: ${where}.${field}: ${issue.message}`, 2);
}
