import { describe, expect, it } from 'vitest';
import { isPoolConfig, parseLaunchConfig } from './launch-config.js';
import { parseAssignMessage } from './pool-protocol.js';

describe('parseLaunchConfig', () => {
  it('reads a pool config', () => {
    const config = parseLaunchConfig('{"mode":"pool","poolToken":"tok"}');
    expect(config).toEqual({ mode: 'pool', host: '127.0.0.1', poolToken: 'tok' });
    expect(isPoolConfig(config)).toBe(true);
  });

  it('keeps the informational pool directory', () => {
    expect(parseLaunchConfig('{"mode":"pool","poolToken":"tok","poolDir":"/data/pool"}')).toEqual({
      mode: 'pool',
      host: '127.0.0.1',
      poolToken: 'tok',
      poolDir: '/data/pool',
    });
  });

  it('reads a pod config as before', () => {
    const config = parseLaunchConfig('{"artifactPath":"/x.mjs","timeoutMs":5}');
    expect(config).toEqual({ artifactPath: '/x.mjs', timeoutMs: 5, host: '127.0.0.1' });
    expect(isPoolConfig(config)).toBe(false);
  });

  it.each([
    ['{"mode":"pool"}', /poolToken: must be a non-empty string/],
    ['{"mode":"pool","poolToken":"t","host":1}', /host: must be a string/],
    ['{"mode":"other"}', /artifactPath/],
  ])('rejects %s naming the field', (json, message) => {
    expect(() => parseLaunchConfig(json)).toThrow(message);
  });
});

describe('parseAssignMessage', () => {
  const valid = { type: 'assign', artifactPath: '/a.mjs', timeoutMs: 1000, env: { A: '1' }, cwd: '/pods/p', pod: 'p', startToken: 't' };

  it('reads a full message', () => {
    expect(parseAssignMessage(valid)).toEqual(valid);
  });

  it('needs only the artifact, the timeout and the env', () => {
    expect(parseAssignMessage({ type: 'assign', artifactPath: '/a.mjs', timeoutMs: 1, env: {} })).toEqual({
      type: 'assign',
      artifactPath: '/a.mjs',
      timeoutMs: 1,
      env: {},
    });
  });

  it.each<[string, unknown, RegExp]>([
    ['not an object', 'assign', /assign: must be an object/],
    ['another type', { ...valid, type: 'ready' }, /assign\.type: expected "assign"/],
    ['no artifact', { ...valid, artifactPath: '' }, /assign\.artifactPath/],
    ['a zero timeout', { ...valid, timeoutMs: 0 }, /assign\.timeoutMs/],
    ['an env that is an array', { ...valid, env: [] }, /assign\.env: must be an object/],
    ['an env value that is not a string', { ...valid, env: { PORT: 8080 } }, /assign\.env\.PORT: must be a string/],
    ['a cwd that is not a string', { ...valid, cwd: 3 }, /assign\.cwd: must be a string/],
  ])('rejects %s naming the field', (_title, raw, message) => {
    expect(() => parseAssignMessage(raw)).toThrow(message);
  });
});
