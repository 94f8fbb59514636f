import { randomUUID } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseToken } from '@tide/core';
import { StartupError } from '@tide/process';
import { request } from 'undici';

/** Where a node keeps the credential it got by joining: beside its pods' files, readable by it alone. */
export const NODE_TOKEN_FILE = 'node.token';

export interface NodeCredentialOptions {
  /** The node's data directory (its `node.token` lives there). */
  dataDir: string;
  node: string;
  /** Control planes to join through (comma-separated URLs; the first that answers). */
  servers: string;
  /** The cluster's bootstrap token (TIDE_BOOTSTRAP_TOKEN, --bootstrap-token-file): needed only for the first join. */
  bootstrapToken?: string;
  report: (line: string) => void;
}

/**
 * The node's own credential, as a kubelet's after `kubeadm join`: the token kept in
 * `<data>/node.token` when the node has joined before (the bootstrap token is then not needed
 * and not used), else a new one got by joining with the bootstrap token and kept there (0600).
 * A node with neither cannot start, and says what it needs.
 */
export async function nodeCredential(options: NodeCredentialOptions): Promise<string> {
  const file = join(options.dataDir, NODE_TOKEN_FILE);
  const kept = await readFile(file, 'utf8').then(
    (text) => text.trim(),
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw new StartupError(`cannot read the node's credential ${file}: ${error.message}`);
    },
  );
  if (kept !== undefined) {
    const parsed = parseToken(kept);
    if (parsed?.name === `node-${options.node}`) {
      const verdict = await credentialVerdict(options.servers, kept);
      if (verdict !== 'refused') return kept;
      // Revoked (the name joined again elsewhere) or unknown to a cluster that lost its log: join again if it can.
      if (!options.bootstrapToken)
        throw new StartupError(
          `the credential of node ${options.node} in ${file} is refused (revoked, or the cluster no longer knows it): ` +
            'give TIDE_BOOTSTRAP_TOKEN (or --bootstrap-token-file) to join again',
          2,
        );
      options.report(`node ${options.node}: its credential in ${file} is refused; joining again with the bootstrap token`);
    } else if (!options.bootstrapToken)
      throw new StartupError(
        `${file} holds ${parsed ? `the credential of token ${parsed.name}` : 'no valid token'}, not one of node ${options.node}: ` +
          'start the node under the name it joined with, or give TIDE_BOOTSTRAP_TOKEN (or --bootstrap-token-file) to join again',
        2,
      );
  }
  if (!options.bootstrapToken)
    throw new StartupError(
      `node ${options.node} has no credential: give the cluster's bootstrap token for its first join ` +
        '(TIDE_BOOTSTRAP_TOKEN or --bootstrap-token-file; `tide up` writes it to <data>/bootstrap.token)',
      2,
    );
  const token = await joinCluster(options);
  await keep(file, token);
  options.report(`node ${options.node} joined the cluster; its credential is in ${file}`);
  return token;
}

async function joinCluster(options: NodeCredentialOptions): Promise<string> {
  const failures: string[] = [];
  for (const server of options.servers
    .split(',')
    .map((s) => s.trim().replace(/\/+$/, ''))
    .filter(Boolean)) {
    const url = `${server}/apis/tide.dev/v1/nodes/${encodeURIComponent(options.node)}/join`;
    try {
      const res = await request(url, { method: 'POST', headers: { authorization: `Bearer ${options.bootstrapToken}` } });
      const text = await res.body.text();
      if (res.statusCode === 201) return (JSON.parse(text) as { token: string }).token;
      const message = `${url} answered ${res.statusCode}: ${messageOf(text)}`;
      // A refusal is the same from every control plane: the bootstrap token is wrong.
      if (res.statusCode === 401 || res.statusCode === 403) throw new StartupError(`node ${options.node} could not join: ${message}`, 2);
      failures.push(message);
    } catch (error) {
      if (error instanceof StartupError) throw error;
      failures.push(`${url}: ${(error as { code?: string }).code ?? (error as Error).message}`);
    }
  }
  throw new StartupError(`node ${options.node} could not join: ${failures.join('; ')}`);
}

/**
 * Whether the control planes still take a credential (`GET /whoami`): refused only on a 401 from
 * one that answers; a control plane down or restarting says nothing, and the node starts with
 * what it has (its requests are retried).
 */
async function credentialVerdict(servers: string, token: string): Promise<'accepted' | 'refused' | 'unknown'> {
  for (const server of servers
    .split(',')
    .map((s) => s.trim().replace(/\/+$/, ''))
    .filter(Boolean)) {
    try {
      const res = await request(`${server}/apis/tide.dev/v1/whoami`, { headers: { authorization: `Bearer ${token}` } });
      await res.body.dump();
      if (res.statusCode === 200) return 'accepted';
      if (res.statusCode === 401) return 'refused';
    } catch {
      // unreachable: ask the next one
    }
  }
  return 'unknown';
}

function messageOf(body: string): string {
  try {
    return String((JSON.parse(body) as { message?: unknown }).message ?? body).slice(0, 300);
  } catch {
    return body.slice(0, 300);
  }
}

/** Written whole or not at all, readable by the node's user only. */
async function keep(file: string, token: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${randomUUID()}.tmp`;
  await writeFile(tmp, `${token}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, file);
}
