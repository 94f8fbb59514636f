import { describe, expect, it } from 'vitest';
import { parseRuntimeConfig } from './runtime-config.js';

describe('parseRuntimeConfig', () => {
  it('reads a full config', () => {
    const json = JSON.stringify({ artifactPath: '/a/fn.mjs', timeoutMs: 3000, host: '127.0.0.1', pod: 'p', startToken: 't' });
    expect(parseRuntimeConfig(json)).toEqual({ artifactPath: '/a/fn.mjs', timeoutMs: 3000, host: '127.0.0.1', pod: 'p', startToken: 't' });
  });

  it('defaults the host to loopback', () => {
    expect(parseRuntimeConfig('{"artifactPath":"/x.mjs","timeoutMs":1}').host).toBe('127.0.0.1');
  });

  it.each([
    [undefined, /argv\[2\]: missing/],
    ['not json', /argv\[2\]: not JSON/],
    ['[1]', /artifactPath: must be a non-empty string/],
    ['{"artifactPath":"","timeoutMs":1}', /artifactPath/],
    ['{"artifactPath":"/x.mjs"}', /timeoutMs: must be a positive number/],
    ['{"artifactPath":"/x.mjs","timeoutMs":0}', /timeoutMs/],
    ['{"artifactPath":"/x.mjs","timeoutMs":1,"host":5}', /host: must be a string/],
  ])('rejects %s naming the field', (json, message) => {
    expect(() => parseRuntimeConfig(json)).toThrow(message);
  });
});
