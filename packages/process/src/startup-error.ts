/** A process cannot start or go on, for a reason the person running it can act on: the message says how. */
export class StartupError extends Error {
  override name = 'StartupError';
  constructor(
    message: string,
    /** 2 when a setting is wrong (usage), 1 otherwise. */
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
