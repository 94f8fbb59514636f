import { describe, expect, it } from 'vitest';
import { initialState, type ClusterState, type Pod } from '@tide/core';
import { envWithSecrets, podSecretsStep, secretConfigError } from './pod-secrets.js';

const ref = (name: string, key: string, optional?: boolean) => ({
  valueFrom: { secretKeyRef: { name, key, ...(optional === undefined ? {} : { optional }) } },
});
const pod = (spec: Partial<Pod['spec']>) => ({ metadata: { namespace: 'a', name: 'p' }, spec: { env: {}, ...spec } }) as unknown as Pod;
const fromSecrets = (...refs: string[]) => pod({ envFrom: refs.map((secretRef) => ({ secretRef })) });
/** A state holding these secrets (`namespace/name`), each with the keys given. */
const withSecrets = (secrets: Record<string, string[]>): ClusterState => ({
  ...initialState,
  secrets: Object.entries(secrets).reduce(
    (map, [key, keys]) => map.set(key, { data: Object.fromEntries(keys.map((k) => [k, {}])) } as never),
    initialState.secrets,
  ),
});

describe("a pod's secrets on its node", () => {
  it('starts a pod that takes no secrets without asking anyone', () => {
    expect(podSecretsStep(initialState, pod({ env: { A: 'plain' } }))).toEqual({ step: 'none' });
    expect(podSecretsStep(initialState, fromSecrets())).toEqual({ step: 'none' });
  });

  it('waits for the secrets of envFrom the log does not hold, in the namespace of the pod', () => {
    expect(podSecretsStep(withSecrets({ 'a/db': [], 'b/cache': [] }), fromSecrets('db', 'cache'))).toEqual({
      step: 'wait',
      reason: 'CreateContainerConfigError: secret "cache" not found',
    });
    expect(podSecretsStep(withSecrets({ 'a/db': [] }), fromSecrets('db'))).toEqual({ step: 'fetch' });
  });

  it('waits for the secret and the key a secretKeyRef names, saying which', () => {
    const spec = { env: { DB_PASSWORD: ref('db', 'PASSWORD'), TOKEN: ref('api', 'TOKEN') } };
    expect(podSecretsStep(withSecrets({ 'a/db': ['USER'] }), pod(spec))).toEqual({
      step: 'wait',
      reason: 'CreateContainerConfigError: couldn\'t find key PASSWORD in Secret a/db; secret "api" not found',
    });
    expect(podSecretsStep(withSecrets({ 'a/db': ['PASSWORD'], 'a/api': ['TOKEN'] }), pod(spec))).toEqual({ step: 'fetch' });
  });

  it('names a missing secret once, however many refs name it', () => {
    const spec = { env: { A: ref('db', 'A'), B: ref('db', 'B') }, envFrom: [{ secretRef: 'db' }] };
    expect(podSecretsStep(initialState, pod(spec))).toEqual({ step: 'wait', reason: 'CreateContainerConfigError: secret "db" not found' });
  });

  it('does not wait for an optional secretKeyRef, whose variable the control plane leaves out', () => {
    const spec = { env: { A: ref('db', 'A', true), B: ref('gone', 'B', true) } };
    expect(podSecretsStep(withSecrets({ 'a/db': ['OTHER'] }), pod(spec))).toEqual({ step: 'fetch' });
  });

  it("lets the function's own env win over its secrets' keys, and never passes a reference on as a value", () => {
    expect(envWithSecrets({ A: 'env' }, { A: 'secret', B: 'secret' })).toEqual({ A: 'env', B: 'secret' });
    expect(envWithSecrets({ A: 'env' }, undefined)).toEqual({ A: 'env' });
    expect(envWithSecrets({ A: 'env', C: ref('db', 'C') }, { C: 'opened' })).toEqual({ A: 'env', C: 'opened' });
    expect(envWithSecrets({ A: 'env', C: ref('db', 'C', true) }, {})).toEqual({ A: 'env' });
  });

  it("says Kubernetes' reason", () => {
    expect(secretConfigError('secret "db" not found')).toBe('CreateContainerConfigError: secret "db" not found');
  });
});
