/** Errors of the embedded log; each names the file, topic or process it is about. */

/** A record in the middle of the log is damaged: open refuses rather than skip it silently. */
export class LogCorruptionError extends Error {
  override readonly name = 'LogCorruptionError';
  constructor(
    /** The damaged file. */
    readonly file: string,
    /** Byte position of the damaged frame in `file`. */
    readonly offset: number,
    /** The log offset the damaged record would have had. */
    readonly recordOffset: number,
    /** What is wrong: 'crc-mismatch', 'bad-length', 'malformed-payload', 'offset-gap', ... */
    readonly reason: string,
  ) {
    super(
      `log corrupted in ${file} at byte ${offset} (record offset ${recordOffset}): ${reason}; ` +
        `records after it exist, so it is not a torn tail. repairLog() truncates the log there.`,
    );
  }
}

/** Another live process holds the directory's writer lock. */
export class LogLockedError extends Error {
  override readonly name = 'LogLockedError';
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`event log ${dir} is locked by live process ${pid} (${dir}/LOCK); open it readOnly or stop that process`);
  }
}

/** The log was closed; appends and commits are refused. */
export class LogClosedError extends Error {
  override readonly name = 'LogClosedError';
  constructor(readonly dir: string) {
    super(`event log ${dir} is closed`);
  }
}

/** A write was attempted through a readOnly instance. */
export class LogReadOnlyError extends Error {
  override readonly name = 'LogReadOnlyError';
  constructor(
    readonly dir: string,
    readonly operation: string,
  ) {
    super(`event log ${dir} was opened readOnly; ${operation} is not allowed`);
  }
}

/**
 * A write or fsync failed. The log stops accepting writes to that file (fail-stop): after a failed
 * fsync the page cache can no longer be trusted, and reopening recovers from what is on disk.
 */
export class LogWriteError extends Error {
  override readonly name = 'LogWriteError';
  constructor(
    readonly file: string,
    override readonly cause: unknown,
  ) {
    super(`write to ${file} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** A topic name that cannot be a directory name or a Kafka topic. */
export class InvalidTopicError extends Error {
  override readonly name = 'InvalidTopicError';
  constructor(readonly topic: string) {
    super(`invalid topic name ${JSON.stringify(topic)}: use 1-249 characters of [A-Za-z0-9._-], not "." or ".."`);
  }
}

/** A record that cannot be stored (too large, too many headers, ...). */
export class InvalidRecordError extends Error {
  override readonly name = 'InvalidRecordError';
  constructor(
    readonly topic: string,
    readonly index: number,
    readonly reason: string,
  ) {
    super(`record ${index} for topic ${topic} cannot be stored: ${reason}`);
  }
}

/**
 * The log no longer holds records a reader already read: it ends before them, or holds other
 * records at their offsets. A Kafka cluster that lost its data (the librdkafka mock keeps nothing
 * across a restart) or a topic deleted and created again does this. A reader that folds the log
 * must start over from the log as it is now; what it built from the old one is gone.
 */
export class LogRewoundError extends Error {
  override readonly name = 'LogRewoundError';
  /** Checked by consumers that cannot import this class (the core's ports). */
  readonly code = 'LOG_REWOUND';
  constructor(
    readonly topic: string,
    /** The offset the reader had reached. */
    readonly position: number,
    /** What the log holds now: 'ends at 0', 'holds another record at offset 41'. */
    readonly found: string,
    /** Where the log lives (brokers, URL). */
    readonly where: string,
  ) {
    super(
      `the log ${topic} at ${where} no longer holds what was read from it: this reader had reached offset ${position}, ` +
        `the log now ${found} (the cluster lost its data, or the topic was recreated)`,
    );
  }
}
