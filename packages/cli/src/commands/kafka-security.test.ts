import { describe, expect, it } from 'vitest';
import { kafkaSecurityFromEnv } from './kafka-security.js';

const files: Record<string, string> = { '/ca.pem': 'CA', '/cert.pem': 'CERT', '/key.pem': 'KEY', '/password': 's3cret\n' };
const readFile = (path: string) => {
  const content = files[path];
  if (content === undefined) throw Object.assign(new Error(`no ${path}`), { code: 'ENOENT' });
  return content;
};
const security = (env: Record<string, string>) => kafkaSecurityFromEnv(env, readFile);

describe('Kafka TLS and SASL from TIDE_KAFKA_* variables', () => {
  it('is PLAINTEXT when nothing is set', () => {
    expect(security({})).toEqual({});
    expect(security({ TIDE_KAFKA_TLS: 'false' })).toEqual({});
  });

  it('takes TLS with the system CAs, or with a CA file and a client certificate', () => {
    expect(security({ TIDE_KAFKA_TLS: 'true' })).toEqual({ ssl: true });
    expect(security({ TIDE_KAFKA_TLS_CA_FILE: '/ca.pem' })).toEqual({ ssl: { ca: ['CA'] } });
    expect(security({ TIDE_KAFKA_TLS: 'true', TIDE_KAFKA_TLS_CERT_FILE: '/cert.pem', TIDE_KAFKA_TLS_KEY_FILE: '/key.pem' })).toEqual({
      ssl: { cert: 'CERT', key: 'KEY' },
    });
  });

  it('takes SASL with a password or a password file (as a Kubernetes Secret mounts it)', () => {
    expect(security({ TIDE_KAFKA_TLS: 'true', TIDE_KAFKA_SASL_MECHANISM: 'PLAIN', TIDE_KAFKA_SASL_USERNAME: 'tide', TIDE_KAFKA_SASL_PASSWORD: 'pw' })).toEqual({
      ssl: true,
      sasl: { mechanism: 'plain', username: 'tide', password: 'pw' },
    });
    expect(security({ TIDE_KAFKA_SASL_MECHANISM: 'scram-sha-512', TIDE_KAFKA_SASL_USERNAME: 'tide', TIDE_KAFKA_SASL_PASSWORD_FILE: '/password' }).sasl).toEqual(
      {
        mechanism: 'scram-sha-512',
        username: 'tide',
        password: 's3cret',
      },
    );
  });

  it.each([
    [{ TIDE_KAFKA_TLS: 'yes' }, /TIDE_KAFKA_TLS must be true or false, got "yes"/],
    [{ TIDE_KAFKA_TLS_CA_FILE: '/missing.pem' }, /TIDE_KAFKA_TLS_CA_FILE=\/missing\.pem cannot be read: ENOENT/],
    [{ TIDE_KAFKA_TLS_CERT_FILE: '/cert.pem' }, /TIDE_KAFKA_TLS_CERT_FILE and TIDE_KAFKA_TLS_KEY_FILE go together/],
    [{ TIDE_KAFKA_TLS: 'false', TIDE_KAFKA_TLS_CA_FILE: '/ca.pem' }, /TIDE_KAFKA_TLS=false contradicts/],
    [
      { TIDE_KAFKA_SASL_MECHANISM: 'gssapi', TIDE_KAFKA_SASL_USERNAME: 'a', TIDE_KAFKA_SASL_PASSWORD: 'b' },
      /TIDE_KAFKA_SASL_MECHANISM must be one of plain, scram-sha-256, scram-sha-512, got "gssapi"/,
    ],
    [{ TIDE_KAFKA_SASL_MECHANISM: 'plain', TIDE_KAFKA_SASL_USERNAME: 'a' }, /needs TIDE_KAFKA_SASL_USERNAME and TIDE_KAFKA_SASL_PASSWORD/],
    [{ TIDE_KAFKA_SASL_USERNAME: 'a', TIDE_KAFKA_SASL_PASSWORD: 'b' }, /need TIDE_KAFKA_SASL_MECHANISM/],
  ])('refuses %j, naming the variable', (env, message) => {
    expect(() => security(env as Record<string, string>)).toThrow(message);
  });
});
