import { COLLECTIONS, type ClusterState, type Collection } from '../state.js';

/** Exponential back-off per key, as controller-runtime's workqueue rate limiter: base doubling to max. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/** Proposals the fold rejected: 5 ms, 10, 20 ... up to 5 s (the default resync), per key. */
export const REJECTED_BACKOFF: BackoffPolicy = { baseMs: 5, maxMs: 5_000 };
/** A pass that failed (the log unreachable): 100 ms doubling to 5 s, for the whole loop. */
export const FAILED_BACKOFF: BackoffPolicy = { baseMs: 100, maxMs: 5_000 };

export interface KeyBackoff {
  failures: number;
  /** When the key may be tried again. */
  notBefore: number;
  /** The key's object when it last failed: a change to it makes the key due at once. */
  seen: unknown;
}

export type Backoffs = ReadonlyMap<string, KeyBackoff>;

/** The wait after the n-th failure in a row: 5, 10, 20, 40 ... ms, never more than maxMs. */
export function backoffMs(failures: number, policy: BackoffPolicy): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, failures - 1));
}

export function withFailure(backoffs: Backoffs, key: string, now: number, seen: unknown, policy: BackoffPolicy): Backoffs {
  const failures = (backoffs.get(key)?.failures ?? 0) + 1;
  return new Map(backoffs).set(key, { failures, notBefore: now + backoffMs(failures, policy), seen });
}

/** Forgets the keys that succeeded or that nothing is proposed for any more (reset on success). */
export function without(backoffs: Backoffs, forget: (key: string) => boolean): Backoffs {
  return new Map([...backoffs].filter(([key]) => !forget(key)));
}

/**
 * A key may be tried when it never failed, its back-off passed, or its object changed since it
 * failed (as a watch event requeues a key at once in controller-runtime): a lost race is retried
 * as soon as there is something new to decide on, a planner that disagrees with the fold is not.
 */
export function isDue(backoffs: Backoffs, key: string, now: number, current: unknown): boolean {
  const backoff = backoffs.get(key);
  return !backoff || now >= backoff.notBefore || backoff.seen !== current;
}

/** When the next key falls due; undefined when none waits. */
export function nextDueAt(backoffs: Backoffs): number | undefined {
  let earliest: number | undefined;
  for (const { notBefore } of backoffs.values()) if (earliest === undefined || notBefore < earliest) earliest = notBefore;
  return earliest;
}

/**
 * The object a subject (see subjectOf: `pods/ns/name`, `leaders/role`) names in a state: the same
 * object as long as the fold left it alone, since the fold never mutates.
 */
export function objectAt(state: ClusterState, subject: string): unknown {
  const slash = subject.indexOf('/');
  const part = subject.slice(0, slash);
  const key = subject.slice(slash + 1);
  if (part === 'leaders') return state.leaders[key];
  return (COLLECTIONS as readonly string[]).includes(part) ? state[part as Collection].get(key) : undefined;
}
