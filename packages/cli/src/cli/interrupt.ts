/**
 * A signal that aborts on the given process signals (Ctrl-C by default), for the commands that
 * follow a stream until interrupted (events, logs -f, get -w, dev): they end cleanly and exit 0.
 */
export function abortedOnInterrupt(signals: readonly NodeJS.Signals[] = ['SIGINT']): AbortSignal {
  const controller = new AbortController();
  for (const signal of signals) process.once(signal, () => controller.abort());
  return controller.signal;
}
