import { describe, expect, it } from 'vitest';
import { initialState, type ClusterState, type Pod } from '@tide/core';
import { envWithSecrets, missingSecrets, secretConfigError } from './pod-secrets.js';

const pod = (refs: string[]) => ({ metadata: { namespace: 'a', name: 'p' }, spec: { envFrom: refs.map((secretRef) => ({ secretRef })) } }) as unknown as Pod;
const withSecrets = (...keys: string[]): ClusterState => ({
  ...initialState,
  secrets: keys.reduce((map, key) => map.set(key, {} as never), initialState.secrets),
});

describe("a pod's secrets on its node", () => {
  it('names the secrets the log does not hold, in the namespace of the pod', () => {
    expect(missingSecrets(withSecrets('a/db', 'b/cache'), pod(['db', 'cache']))).toEqual(['cache']);
    expect(missingSecrets(initialState, pod([]))).toEqual([]);
  });

  it("lets the function's own env win over its secrets' keys", () => {
    expect(envWithSecrets({ A: 'env' }, { A: 'secret', B: 'secret' })).toEqual({ A: 'env', B: 'secret' });
    expect(envWithSecrets({ A: 'env' }, undefined)).toEqual({ A: 'env' });
  });

  it("says Kubernetes' reason", () => {
    expect(secretConfigError('secret "db" not found')).toBe('CreateContainerConfigError: secret "db" not found');
  });
});
