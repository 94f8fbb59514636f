import type { Verdict } from '../state.js';

/**
 * The verdicts of the last `size` offsets folded, for a writer that asks after the fold went past
 * its event. A ring indexed by offset, not a Map with a set and a delete per record: those were
 * ~0.4 µs of a replay's per-event cost, a fifth of the fold's own work for a pod event.
 */
export interface RecentVerdicts {
  set(offset: number, verdict: Verdict): void;
  /** undefined once `size` later offsets have been folded (or never folded here). */
  get(offset: number): Verdict | undefined;
  clear(): void;
}

export function createRecentVerdicts(size: number): RecentVerdicts {
  const offsets = new Float64Array(size).fill(-1);
  const verdicts: (Verdict | undefined)[] = new Array(size).fill(undefined);
  return {
    set(offset, verdict) {
      const slot = offset % size;
      offsets[slot] = offset;
      verdicts[slot] = verdict;
    },
    get(offset) {
      const slot = offset % size;
      return offset >= 0 && offsets[slot] === offset ? verdicts[slot] : undefined;
    },
    clear() {
      offsets.fill(-1);
      verdicts.fill(undefined);
    },
  };
}
