import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findRepoRoot } from './repo-root.js';

const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));

/** Every non-test TypeScript source of every package. */
export function packageSources(): string[] {
  return readdirSync(join(repoRoot, 'packages'))
    .map((name) => join(repoRoot, 'packages', name, 'src'))
    .filter((src) => existsSync(src))
    .flatMap((src) =>
      readdirSync(src, { withFileTypes: true, recursive: true })
        .filter((entry) => entry.isFile() && /(?<!\.test)\.ts$/.test(entry.name))
        .map((entry) => join(entry.parentPath, entry.name)),
    )
    .sort();
}

/**
 * The names under which Prometheus sees the instruments Tide's sources create, each with the file
 * that creates it: `meter.createCounter('tide_x')` (or a constant holding the name, defined in the
 * same file) is served as `tide_x_total` (the exporter adds `_total` to a counter's name unless it
 * has it), a histogram as `tide_x` with `_bucket`, `_sum` and `_count` (so is `seriesHistogram('tide_x')`,
 * @tide/telemetry's histogram of bound series), a gauge as it is named.
 * test/e2e/metrics-exposition.e2e.test.ts proves this reading against what running processes serve.
 */
export function servedMetrics(): Map<string, { file: string; kind: 'counter' | 'histogram' | 'gauge' }> {
  const served = new Map<string, { file: string; kind: 'counter' | 'histogram' | 'gauge' }>();
  for (const file of packageSources()) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/\.create(\w+)\(\s*(?:['"](tide_[a-z0-9_]+)['"]|([A-Z][A-Z0-9_]*))/g)) {
      const [, instrument, literal, constant] = match;
      const name = literal ?? (constant ? new RegExp(`\\b${constant}\\s*=\\s*['"](tide_[a-z0-9_]+)['"]`).exec(text)?.[1] : undefined);
      if (!name) continue;
      const counter = instrument === 'Counter' || instrument === 'ObservableCounter';
      const kind = counter ? 'counter' : instrument === 'Histogram' ? 'histogram' : 'gauge';
      served.set(counter && !name.endsWith('_total') ? `${name}_total` : name, { file: relative(repoRoot, file), kind });
    }
    for (const match of text.matchAll(/\bseriesHistogram\(\s*['"](tide_[a-z0-9_]+)['"]/g)) {
      served.set(match[1] as string, { file: relative(repoRoot, file), kind: 'histogram' });
    }
  }
  return served;
}
