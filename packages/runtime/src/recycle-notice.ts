/**
 * The line a pod writes to stderr just before it ends itself (call-watchdog.ts), so the node agent
 * can report why: the IPC channel belongs to the main thread, which may be stuck in a busy loop.
 */
const PREFIX = 'tide-runtime: recycling the pod: ';

export function formatRecycleNotice(reason: string): string {
  return `${PREFIX}${reason}`;
}

/**
 * The reason in a line of a pod's stderr, or undefined. Searched anywhere in the line: the function
 * may have left a partial line on stderr that the notice was appended to.
 */
export function parseRecycleNotice(line: string): string | undefined {
  const at = line.indexOf(PREFIX);
  return at === -1 ? undefined : line.slice(at + PREFIX.length);
}
