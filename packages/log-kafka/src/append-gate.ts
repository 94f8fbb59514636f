/**
 * Failing fast. Once the cluster has been unreachable for `failFastAfterMs`, a new append is
 * refused at once (an API write answers 503 now, not after kafkajs' 9-15 s of retries); appends
 * already queued or in flight keep their course. Anything that reaches the cluster meanwhile (a
 * reader's fetch, endOffset, an append in flight) notes its success and ends failing fast.
 *
 * Refusing writes must not keep us from noticing that the cluster is back, and readers cannot be
 * counted on for that: there may be none (a process that only writes), or none being pulled. So
 * an append about to be refused first makes sure a probe is under way and waits for it at most
 * PROBE_WAIT_MS: if the cluster answers, this very append goes through. Probes run one at a time
 * and start at most every PROBE_EVERY_MS, so a burst of refused writes costs a few connection
 * attempts a second, not one each. On demand rather than on a timer because appends are all that
 * is refused: only an append needs to know, a timer would probe while nobody writes, and there is
 * no timer to stop on close.
 */
import type { ConnectivityTracker } from './connectivity.js';
import { KafkaUnreachableError } from './errors.js';

/** How long an append about to be refused waits for a probe of the unreachable cluster. */
const PROBE_WAIT_MS = 250;
/** Probes of an unreachable cluster start at most this often. */
const PROBE_EVERY_MS = 500;

export interface AppendGate {
  /**
   * Runs `append` now, or — while failing fast — after a probe, refusing with `refuse(reason)`
   * if the cluster still does not answer. Calls decide in the order they were made.
   */
  admit<T>(append: () => Promise<T>, refuse: (reason: KafkaUnreachableError) => Error): Promise<T>;
  /** Resolves once no probe is under way. */
  idle(): Promise<void>;
}

export function createAppendGate(options: {
  connectivity: ConnectivityTracker;
  /** Infinity turns failing fast off. */
  failFastAfterMs: number;
  /** One attempt to reach the cluster; notes success on the tracker itself. */
  probe: () => Promise<void>;
  closed: () => boolean;
}): AppendGate {
  const { connectivity } = options;
  const failingFast = (): boolean => {
    const state = connectivity.current();
    return !state.reachable && Date.now() - state.since >= options.failFastAfterMs;
  };
  let probing: Promise<void> | undefined;
  let lastProbeAt = -Infinity;
  const probe = (): Promise<void> | undefined => {
    if (probing !== undefined || Date.now() - lastProbeAt < PROBE_EVERY_MS || options.closed()) return probing;
    lastProbeAt = Date.now();
    probing = options.probe().finally(() => {
      probing = undefined;
    });
    return probing;
  };
  /** Resolves once a probe (started now, or under way) has answered, or after PROBE_WAIT_MS. */
  const awaitProbe = async (): Promise<void> => {
    const under = probe();
    if (under === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([under, new Promise<void>((resolve) => (timer = setTimeout(resolve, PROBE_WAIT_MS)))]);
    clearTimeout(timer);
  };
  // Appends made while a probe is awaited wait with it and then decide (refuse or queue) in the
  // order they were made, so that call order stays offset order.
  let gate: Promise<void> | undefined;
  let gated = 0;
  return {
    admit(append, refuse) {
      if (gate === undefined) {
        if (!failingFast()) return append();
        gate = awaitProbe();
      }
      gated++;
      return gate.then(() => {
        if (--gated === 0) gate = undefined;
        if (failingFast()) {
          const state = connectivity.current();
          throw refuse(new KafkaUnreachableError(state.since, state.error ?? 'no answer'));
        }
        return append();
      });
    },
    async idle() {
      await probing;
    },
  };
}
