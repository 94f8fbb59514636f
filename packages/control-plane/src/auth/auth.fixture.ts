import { randomBytes } from 'node:crypto';
import { newTokenSecret, openStateStore, secretKeyOf, type StateStore, type TokenSpec } from '@tide/core';
import { newestRules } from '@tide/core/testing';
import { createMemoryLog, type MemoryLog } from '@tide/log/testing';
import { makeTempDir } from '@tide/testkit/testing';
import { createControlPlaneApp } from '../app.js';
import { openArtifactStore } from '../adapters/artifact-store.js';
import type { AuthenticationOptions } from './gatekeeper.js';

export const API = '/apis/tide.dev/v1';

/** A control plane app with authentication on, over a memory log on the newest rules, and a way to mint tokens into its state. */
export async function authHarness(options: { namespaces?: string[]; authentication?: AuthenticationOptions } = {}) {
  const dir = await makeTempDir();
  const log: MemoryLog = createMemoryLog();
  const store: StateStore = await openStateStore({ log });
  await store.append(newestRules());
  for (const name of options.namespaces ?? ['default']) await store.append([{ type: 'NamespaceApplied', data: { name, labels: {}, annotations: {} } }]);
  const artifacts = await openArtifactStore(dir.path);
  const sealer = { keyring: { current: secretKeyOf(new Uint8Array(randomBytes(32))), previous: [] }, nonce: () => new Uint8Array(randomBytes(12)) };
  const deps = { store, log, artifacts, limits: { manifestBytes: 1 << 20, artifactBytes: 1 << 20 }, sealer };
  const app = createControlPlaneApp(deps, { authentication: options.authentication ?? {} });

  /** A token made straight in the log (as `tide token create` would): its secret string. */
  const mint = async (name: string, subject: TokenSpec['subject'], expiresAt?: string): Promise<string> => {
    const { token, secretHash } = newTokenSecret(name);
    const spec: TokenSpec = { subject, ...(expiresAt ? { expiresAt } : {}) };
    const [result] = await store.append([{ type: 'TokenCreated', data: { name, spec, secretHash } }]);
    if (!result!.verdict.accepted) throw new Error(`token ${name} refused: ${result!.verdict.reason}`);
    return token;
  };

  /** A request as from `address`, with `token` as its bearer token when given. */
  const request = (path: string, init: RequestInit & { token?: string; address?: string } = {}) => {
    const { token, address = '10.0.0.1', ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token !== undefined) headers.set('authorization', token.startsWith('tide_') ? `Bearer ${token}` : token);
    return app.request(path, { ...rest, headers }, { incoming: { socket: { remoteAddress: address } } });
  };

  const close = async () => {
    await store.close();
    await log.close();
    await dir.remove();
  };
  return { app, store, log, dir, artifacts, deps, mint, request, close };
}
export type AuthHarness = Awaited<ReturnType<typeof authHarness>>;
