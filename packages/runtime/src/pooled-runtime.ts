import { rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAssignMessage, type AssignMessage } from './pool-protocol.js';
import { PROBE_HEADER, serveFunction } from './serve-function.js';

export class PoolModeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PoolModeError';
  }
}

/**
 * The idle life of a warm-pool process: pays now for what every pod start would pay (Node's lazy
 * load of undici behind the global Response/Request, node:http's server and parser, hono's request
 * listener), announces itself with `announce()`, then waits for the agent's one assign message.
 * While idle there is nothing to drain: a SIGTERM or a lost agent (IPC disconnect) exits at once.
 */
export async function waitForAssignment(announce: () => Promise<void>): Promise<AssignMessage> {
  if (!process.send) throw new PoolModeError('pool mode needs an IPC channel to the agent');
  await warmUp();
  const leave = () => process.exit(0);
  process.once('disconnect', leave);
  process.once('SIGTERM', leave);
  if (!process.connected) leave(); // the agent went away during the warm-up
  const assigned = new Promise<unknown>((resolve) => process.once('message', resolve));
  await announce();
  const raw = await assigned;
  process.off('disconnect', leave);
  process.off('SIGTERM', leave);
  return parseAssignMessage(raw);
}

/**
 * One probe and one function call through a throw-away server, as a pod will serve them — over a
 * unix socket in its private /tmp: a sandboxed process may not connect to this machine's TCP ports,
 * its own included (pod-network-guard.ts), and the HTTP code warmed is the same.
 */
async function warmUp(): Promise<void> {
  const socketPath = join(tmpdir(), `tide-warm-up-${process.pid}.sock`);
  const served = await serveFunction({ default: () => new Response('warm') }, { socketPath, timeoutMs: 5_000, env: {} });
  try {
    await get(socketPath, { [PROBE_HEADER]: 'readiness' });
    await get(socketPath, {});
  } finally {
    await served.close();
    await rm(socketPath, { force: true });
  }
}

function get(socketPath: string, headers: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const call = request({ socketPath, path: '/', headers, agent: false }, (response) => {
      response.resume();
      response.once('end', resolve);
    });
    call.once('error', reject);
    call.end();
  });
}
