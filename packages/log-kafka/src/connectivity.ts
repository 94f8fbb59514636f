/**
 * Whether the cluster answers, from what appends and fetches meet: the first failure after a
 * success makes the log unreachable (reported once, not per retry), the first success after that
 * reachable again. Pure bookkeeping; the clock is injected.
 */

export interface Connectivity {
  reachable: boolean;
  /** When the current state began (ms since the epoch). */
  since: number;
  /** The failure that made it unreachable. */
  error?: string;
}

export type ConnectivityChange = { reachable: false; error: string } | { reachable: true; downForMs: number };

export interface ConnectivityTracker {
  current(): Connectivity;
  /**
   * An operation against the cluster succeeded (error undefined) or failed. A failure of an
   * operation that began before the last success (kafkajs retries long) says nothing new.
   */
  note(error: unknown, startedAt?: number): void;
}

export function trackConnectivity(onChange: (change: ConnectivityChange) => void, now: () => number = Date.now): ConnectivityTracker {
  let state: Connectivity = { reachable: true, since: now() };
  let lastSuccess = -Infinity;
  return {
    current: () => state,
    note(error, startedAt = now()) {
      if (error === undefined) {
        lastSuccess = now();
        if (state.reachable) return;
        const downForMs = now() - state.since;
        state = { reachable: true, since: now() };
        onChange({ reachable: true, downForMs });
        return;
      }
      if (!state.reachable || startedAt < lastSuccess || !isClusterFailure(error)) return;
      const message = describeFailure(error);
      state = { reachable: false, since: now(), error: message };
      onChange({ reachable: false, error: message });
    },
  };
}

/** kafkajs' own errors (connection refused, timeouts, leaders unknown); not our refusals of bad input. */
function isClusterFailure(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e: unknown = error; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    if (e.name.startsWith('KafkaJS')) return true;
  }
  return false;
}

/** The innermost cause says what happened (ECONNREFUSED, ...); the outer one where. */
function describeFailure(error: unknown): string {
  let inner = error as Error;
  while (inner.cause instanceof Error) inner = inner.cause;
  const { operation, topic } = error as { operation?: unknown; topic?: unknown };
  const what = typeof operation === 'string' ? `${operation}${typeof topic === 'string' ? ` on ${topic}` : ''}: ` : '';
  return `${what}${inner.message}`;
}
