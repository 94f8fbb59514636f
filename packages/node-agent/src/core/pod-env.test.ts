import { describe, expect, it } from 'vitest';
import { buildPodEnv, defaultPodPath } from './pod-env.js';
import type { PodRunSpec } from '../pod-types.js';

const spec: PodRunSpec = {
  name: 'hello-00001-x7k2p',
  namespace: 'web',
  functionName: 'hello',
  revision: 'hello-00001',
  artifactPath: '/a.mjs',
  env: { GREETING: 'hi', HOME: '/custom', TIDE_POD: 'spoofed' },
  memoryMb: 64,
  timeoutSeconds: 5,
  terminationGraceSeconds: 1,
};

describe('buildPodEnv', () => {
  it('is the function env plus the pod identity and defaults, nothing else', () => {
    expect(buildPodEnv(spec, { home: '/data/pods/p', path: '/bin' })).toEqual({
      PATH: '/bin',
      HOME: '/custom',
      GREETING: 'hi',
      TIDE_NAMESPACE: 'web',
      TIDE_FUNCTION: 'hello',
      TIDE_REVISION: 'hello-00001',
      TIDE_POD: 'hello-00001-x7k2p',
    });
  });

  it("puts the agent's node directory first on PATH", () => {
    expect(defaultPodPath('/opt/node/bin')).toBe('/opt/node/bin:/usr/local/bin:/usr/bin:/bin');
  });
});
