import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Vitest global setup: the tests' `tide up`s name their admin tokens in a CLI config of this run's
 * own (TIDE_CONFIG, inherited by every worker and the processes they start), never in the
 * developer's ~/.config/tide/config; removed when the run ends.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'tide-test-config-'));
  process.env.TIDE_CONFIG = join(dir, 'config.json');
  return () => rm(dir, { recursive: true, force: true });
}
