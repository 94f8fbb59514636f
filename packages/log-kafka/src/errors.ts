/** Errors of the Kafka log; each names the brokers and topic (or group) it is about. */

/** A Kafka operation failed after kafkajs' own retries (and ours, where we retry). */
export class KafkaLogError extends Error {
  override readonly name = 'KafkaLogError';
  constructor(
    /** What was being done: 'append', 'read', 'endOffset', 'commitOffset', 'committedOffset', 'connect'. */
    readonly operation: string,
    readonly brokers: readonly string[],
    /** The topic (or `group/topic` for offsets) the operation was about; undefined for connect. */
    readonly topic: string | undefined,
    override readonly cause: unknown,
  ) {
    super(`kafka ${operation}${topic === undefined ? '' : ` on ${topic}`} via ${brokers.join(',')} failed: ${describe(cause)}`, { cause });
  }
}

/**
 * Why an append was refused without trying: the cluster has not answered for a while (the
 * log's `failFastAfterMs`). Appends go through again as soon as anything reaches it.
 */
export class KafkaUnreachableError extends Error {
  override readonly name = 'KafkaUnreachableError';
  constructor(
    /** When the cluster stopped answering (ms since the epoch). */
    readonly since: number,
    /** The failure that showed it. */
    readonly failure: string,
    now: number = Date.now(),
  ) {
    super(
      `the cluster has been unreachable for ${((now - since) / 1000).toFixed(1)} s, since ${new Date(since).toISOString()} (${failure}); ` +
        'appends fail at once until it answers again',
    );
  }
}

/** The log was closed: appends, commits and new reads are refused. */
export class KafkaLogClosedError extends Error {
  override readonly name = 'KafkaLogClosedError';
  constructor(
    readonly brokers: readonly string[],
    readonly operation: string,
  ) {
    super(`kafka log via ${brokers.join(',')} is closed; ${operation} refused`);
  }
}

/**
 * The installed kafkajs lacks an internal this adapter relies on (its Cluster factory): kafkajs
 * offers no group-less fetch or commit in its public API, see partition-reader.ts.
 */
export class KafkaInternalsError extends Error {
  override readonly name = 'KafkaInternalsError';
  constructor(readonly missing: string) {
    super(`the installed kafkajs has no ${missing}; @tide/log-kafka was written against kafkajs 2.2.4`);
  }
}

function describe(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const type = (cause as { type?: unknown }).type;
  return typeof type === 'string' ? `${cause.message} (${type})` : cause.message;
}
