import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Temp dirs the bench made, all removed by `removeAll` (called on success and on failure). */
export interface TempDirs {
  make(prefix: string): Promise<string>;
  removeAll(): Promise<void>;
}

export function createTempDirs(): TempDirs {
  const made: string[] = [];
  return {
    async make(prefix) {
      const dir = await mkdtemp(join(tmpdir(), prefix));
      made.push(dir);
      return dir;
    },
    async removeAll() {
      // Every dir is tried even if one fails; retries cover a step still writing into it when aborted.
      const results = await Promise.allSettled(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 })));
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed.length > 0)
        throw new AggregateError(
          failed.map((r) => r.reason as Error),
          `could not remove ${failed.length} temp dir(s)`,
        );
    },
  };
}
