import { describe, expect, it } from 'vitest';
import { envSecretRefs } from './flag-values.js';

describe('--env-secret NAME=SECRET:KEY', () => {
  it('makes a secretKeyRef per variable, under its own name', () => {
    expect(envSecretRefs(['DB_PASS=db:PASSWORD', 'TOKEN=api-keys:TOKEN'])).toEqual({
      DB_PASS: { valueFrom: { secretKeyRef: { name: 'db', key: 'PASSWORD' } } },
      TOKEN: { valueFrom: { secretKeyRef: { name: 'api-keys', key: 'TOKEN' } } },
    });
    expect(envSecretRefs(undefined)).toEqual({});
  });

  it.each([
    ['DB_PASS=db', /must look like NAME=SECRET:KEY/],
    ['DB_PASS', /must look like NAME=SECRET:KEY/],
    ['1X=db:K', /NAME "1X" must be a valid environment variable name/],
    ['X=Db:K', /SECRET "Db" must be lowercase letters, digits and "-"/],
    ['X=other/db:K', /SECRET is a name, without a namespace/],
    ['X=db:not-a-key', /KEY "not-a-key" must be a valid environment variable name/],
  ])('refuses %s, naming the part', (pair, message) => {
    expect(() => envSecretRefs([pair])).toThrow(message);
  });

  it('refuses a variable named twice', () => {
    expect(() => envSecretRefs(['X=a:K', 'X=b:K'])).toThrow('--env-secret names X twice');
  });
});
