import { createConnection } from 'node:net';

/** A command the runtime API refused (its answer says why), e.g. `del server` while the pod still has connections. */
export class RuntimeApiError extends Error {
  constructor(
    readonly command: string,
    readonly answer: string,
  ) {
    super(`haproxy runtime API: "${command}" failed: ${answer.trim() || 'no answer'}`);
    this.name = 'RuntimeApiError';
  }
}

/** Answers that mean a command did not do what it asked (the runtime API has no status codes). */
const REFUSAL = /^(?:No such|Unknown|Require|Missing|Invalid|.*\bcannot\b|.*\bnot found\b|.*\bfailed\b|.*still has)/im;

/**
 * Sends one command on haproxy's admin socket (a connection per command, as the socket closes
 * after answering in non-interactive mode) and resolves with its answer.
 */
export function runtimeCommand(socketPath: string, command: string, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolveAnswer, reject) => {
    const socket = createConnection(socketPath, () => socket.end(`${command}\n`));
    let answer = '';
    socket.setEncoding('utf8');
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`haproxy runtime API: no answer to "${command}" within ${timeoutMs} ms`)));
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', (error) => reject(new Error(`haproxy runtime API (${socketPath}): "${command}": ${error.message}`, { cause: error })));
    socket.on('end', () => resolveAnswer(answer));
  });
}

/** A command whose answer must not be a refusal (add, del, set): throws RuntimeApiError if it is. */
export async function runtimeChange(socketPath: string, command: string): Promise<void> {
  const answer = await runtimeCommand(socketPath, command);
  if (REFUSAL.test(answer)) throw new RuntimeApiError(command, answer);
}

/** Commands per connection: a line of them stays well under haproxy's 16 KiB buffer. */
const BATCH = 40;

/**
 * Several commands in order, `;`-separated on one line per batch: a rollout's 100 map buckets and
 * its pods change in a few milliseconds, not one connection each. Throws RuntimeApiError if any was refused.
 */
export async function runtimeChanges(socketPath: string, commands: readonly string[]): Promise<void> {
  for (let at = 0; at < commands.length; at += BATCH) await runtimeChange(socketPath, commands.slice(at, at + BATCH).join(';'));
}
