import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTideCommand, type TideProcess } from './tide-process.js';

/** The node bootstrap token a control plane wrote into its data directory at first start. */
export function bootstrapTokenIn(dataDir: string): string {
  return readFileSync(join(dataDir, 'bootstrap.token'), 'utf8').trim();
}

let made = 0;

/**
 * A token for a separate `tide gateway` or `tide triggers` (TIDE_TOKEN), made with the admin token
 * of the Tide whose data is in `dataDir`, as an admin does with `tide token create NAME --gateway`.
 */
export async function componentToken(server: string, dataDir: string, kind: 'gateway' | 'triggers'): Promise<string> {
  const admin = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
  const res = await fetch(`${server}/apis/tide.dev/v1/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'tide.dev/v1', kind: 'Token', metadata: { name: `${kind}-${process.pid}-${++made}` }, spec: { subject: { kind } } }),
  });
  if (res.status !== 201) throw new Error(`minting a ${kind} token at ${server}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** `tide node` against a running Tide, joining with `bootstrapToken` when given (TIDE_BOOTSTRAP_TOKEN). */
export function startJoiningNode(options: { server: string; name: string; dataDir: string; bootstrapToken?: string; args?: string[] }): Promise<TideProcess> {
  return startTideCommand({
    args: ['node', '--server', options.server, '--name', options.name, '--data', options.dataDir, ...(options.args ?? [])],
    ...(options.bootstrapToken ? { env: { TIDE_BOOTSTRAP_TOKEN: options.bootstrapToken } } : {}),
    ready: / is up \(boot /,
  });
}
