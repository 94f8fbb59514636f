import { AsyncLocalStorage } from 'node:async_hooks';

/** The W3C trace context of the call a function is serving. */
export interface CallTrace {
  traceparent: string;
  tracestate?: string;
}

const calls = new AsyncLocalStorage<CallTrace>();

/**
 * Runs a call with its trace context in scope, so that what the function produces while serving it
 * (a queue message) carries the caller's trace: a produced record and the call that made it are one trace.
 */
export function withCallTrace<T>(trace: CallTrace | undefined, run: () => T): T {
  return trace ? calls.run(trace, run) : run();
}

/** The trace context of the call being served here, if it carried one. */
export function currentCallTrace(): CallTrace | undefined {
  return calls.getStore();
}
