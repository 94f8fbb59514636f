import type { ApiClient } from '../api-client.js';
import { table } from '../format.js';

/** An activation as the API serves it (GET .../activations/{id}). */
export interface ActivationView {
  id: string;
  namespace: string;
  function: string;
  status: string;
  attempts: number;
  queuedAt: number;
  start?: number;
  end?: number;
  durationMs?: number;
  result?: { status: number; headers: Record<string, string>; body: string; encoding: 'utf8' | 'base64'; truncated?: boolean };
  error?: string;
  traceId?: string;
  callback?: string;
  /** Pod log lines that name the activation (GET by id only). */
  logs?: string[];
}

const base = (namespace: string) => `/apis/tide.dev/v1/namespaces/${encodeURIComponent(namespace)}/activations`;

export async function listActivations(api: ApiClient, namespace: string, fn: string | undefined, limit: number): Promise<ActivationView[]> {
  const query = new URLSearchParams({ limit: String(limit), ...(fn === undefined ? {} : { function: fn }) });
  return (await api.ok<{ items: ActivationView[] }>('GET', `${base(namespace)}?${query}`)).items;
}

export function getActivation(api: ApiClient, namespace: string, id: string): Promise<ActivationView> {
  return api.ok<ActivationView>('GET', `${base(namespace)}/${encodeURIComponent(id)}`);
}

/** ID, FUNCTION, STATUS, ATTEMPTS, DURATION, AGE: newest first, as the API lists them. */
export function activationsTable(items: readonly ActivationView[], now = Date.now()): string {
  if (items.length === 0) return 'No activations found.';
  return table(
    ['ID', 'FUNCTION', 'STATUS', 'ATTEMPTS', 'DURATION', 'AGE'],
    items.map((a) => [a.id, a.function, a.status, String(a.attempts), a.durationMs === undefined ? '-' : duration(a.durationMs), duration(now - a.queuedAt)]),
  );
}

/** What `tide activation get <id>` prints: status, attempts, times, then the result (or error). */
export function describeActivation(a: ActivationView): string {
  const lines = [
    `Activation:  ${a.id}`,
    `Function:    ${a.namespace}/${a.function}`,
    `Status:      ${a.status}`,
    `Attempts:    ${a.attempts}`,
    `Queued:      ${new Date(a.queuedAt).toISOString()}`,
  ];
  if (a.start !== undefined) lines.push(`Started:     ${new Date(a.start).toISOString()}`);
  if (a.end !== undefined) lines.push(`Ended:       ${new Date(a.end).toISOString()}${a.durationMs === undefined ? '' : ` (${duration(a.durationMs)})`}`);
  if (a.traceId !== undefined) lines.push(`Trace:       ${a.traceId}`);
  if (a.callback !== undefined) lines.push(`Callback:    ${a.callback}`);
  if (a.error !== undefined) lines.push(`Error:       ${a.error}`);
  if (a.result !== undefined) {
    lines.push(`Result:      ${a.result.status}${a.result.truncated ? ' (body cut at 64 KiB)' : ''}`);
    for (const [name, value] of Object.entries(a.result.headers)) lines.push(`  ${name}: ${value}`);
    lines.push('', a.result.encoding === 'base64' ? `(binary, base64) ${a.result.body}` : a.result.body);
  }
  // The runtime names a call's request id (the activation id) only in its own lines about the call, such as "request <id> failed".
  if (a.logs !== undefined && a.logs.length > 0) lines.push('', 'Logs:', ...a.logs.map((l) => `  ${l}`));
  else lines.push('', `Logs: no line names this activation; what the function printed is in tide logs ${a.function}.`);
  return lines.join('\n');
}

function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = ms / 1000;
  if (seconds < 120) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  return `${Math.round(seconds / 3600)}h`;
}
