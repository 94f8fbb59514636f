import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TriggerManifest } from '@tide/core';
import { CliError } from './api-client.js';
import { dnsName } from './locate-function.js';
import { parseJsonc, WRANGLER_FILES } from './wrangler-config.js';
import { readWranglerToml } from './wrangler-toml.js';

/**
 * What a Workers project's wrangler config asks to be called by besides HTTP, as Triggers: each of
 * `[triggers] crons` a cron Trigger (Workers Cron Triggers: five fields, UTC), and each
 * `[[queues.consumers]]` a kafka Trigger on the namespace's topic of that queue's name (Workers
 * Queues). Both call the module's own handler (`scheduled`, `queue`). They carry the labels below,
 * so the next deploy deletes those the config no longer names, and leaves other triggers alone.
 */
export const MANAGED_BY_LABEL = 'tide.dev/managed-by';
export const FUNCTION_LABEL = 'tide.dev/function';

export interface WranglerTriggers {
  /** The config file they come from (wrangler.toml, …), for messages; undefined when there is none. */
  file?: string;
  manifests: TriggerManifest[];
}

/** The Triggers a function's directory asks for; none when it has no wrangler config (or is a single file). */
export function wranglerTriggers(dir: string, fn: string): WranglerTriggers {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return { manifests: [] };
  const file = WRANGLER_FILES.find((f) => existsSync(join(dir, f)));
  if (!file) return { manifests: [] };
  const text = readFileSync(join(dir, file), 'utf8');
  const config = file.endsWith('.toml') ? readWranglerToml(text, file) : parseJsonc(text, file);
  return { file, manifests: triggerManifestsOf(config, fn, file) };
}

interface QueueConsumer {
  queue?: unknown;
  max_batch_size?: unknown;
  max_retries?: unknown;
  dead_letter_queue?: unknown;
  retry_delay?: unknown;
}

/** The manifests, checked here so a bad schedule or queue stops the deploy before anything is uploaded. */
export function triggerManifestsOf(config: Record<string, unknown>, fn: string, file: string): TriggerManifest[] {
  const crons = (config.triggers as { crons?: unknown } | undefined)?.crons ?? [];
  if (!Array.isArray(crons) || crons.some((c) => typeof c !== 'string')) throw new CliError(`${file}: triggers.crons must be a list of cron schedules`, 2);
  const consumers = (config.queues as { consumers?: unknown } | undefined)?.consumers ?? [];
  if (!Array.isArray(consumers)) throw new CliError(`${file}: queues.consumers must be a list of tables ([[queues.consumers]])`, 2);
  const labels = { [MANAGED_BY_LABEL]: 'wrangler', [FUNCTION_LABEL]: fn };
  const manifest = (name: string, spec: Record<string, unknown>, where: string) => {
    const parsed = TriggerManifest.safeParse({
      apiVersion: 'tide.dev/v1',
      kind: 'Trigger',
      metadata: { name, labels },
      spec: { function: fn, delivery: 'handler', ...spec },
    });
    if (parsed.success) return parsed.data;
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new CliError(`${file}: ${where}: ${issues.join('; ')}`, 2);
  };
  return [
    ...(crons as string[]).map((schedule, i) =>
      manifest(triggerName(fn, `-cron-${i + 1}`), { cron: { schedule, timeZone: 'UTC' } }, `triggers.crons[${i}] "${schedule}"`),
    ),
    ...(consumers as QueueConsumer[]).map((c, i) => {
      if (typeof c?.queue !== 'string' || !c.queue) throw new CliError(`${file}: queues.consumers[${i}] has no queue name`, 2);
      const delayMs = typeof c.retry_delay === 'number' ? c.retry_delay * 1000 : undefined;
      const kafka = {
        topics: [c.queue],
        ...(c.max_batch_size === undefined ? {} : { batchSize: c.max_batch_size }),
        ...(c.max_retries === undefined ? {} : { maxRetries: c.max_retries }),
        ...(c.dead_letter_queue === undefined ? {} : { deadLetterTopic: c.dead_letter_queue }),
        // Workers Queues wait a fixed retry_delay (seconds) between attempts: a back-off that does not grow.
        ...(delayMs === undefined ? {} : { backoff: { initialMs: delayMs, maxMs: delayMs, multiplier: 1 } }),
      };
      return manifest(triggerName(fn, `-queue-${dnsName(c.queue)}`), { kafka }, `queues.consumers[${i}] (queue "${c.queue}")`);
    }),
  ];
}

/** `<fn><suffix>`, the function's part shortened so the whole stays a DNS label (63 characters). */
function triggerName(fn: string, suffix: string): string {
  return `${fn.slice(0, 63 - suffix.length).replace(/-+$/, '')}${suffix}`.slice(0, 63).replace(/-+$/, '');
}
