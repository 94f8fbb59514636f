/**
 * TLS and SASL for a real Kafka cluster (Confluent Cloud, MSK, Aiven, a company's own), from
 * TIDE_KAFKA_* variables. Pure but for reading the files they name (injected), so every refusal
 * is tested without a broker; the refusals name the variable at fault.
 */
import type { KafkaSecurity } from '@tide/log-kafka';
import { CliError } from '../api-client.js';

const MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

type Env = Readonly<Record<string, string | undefined>>;

export function kafkaSecurityFromEnv(env: Env, readFile: (path: string) => string): KafkaSecurity {
  const file = (name: string): string | undefined => {
    const path = env[name];
    if (path === undefined || path === '') return undefined;
    try {
      return readFile(path);
    } catch (error) {
      throw new CliError(`${name}=${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 2);
    }
  };
  const security: KafkaSecurity = {};

  const tls = env.TIDE_KAFKA_TLS;
  if (tls !== undefined && tls !== '' && tls !== 'true' && tls !== 'false')
    throw new CliError(`TIDE_KAFKA_TLS must be true or false, got "${tls.slice(0, 40)}"`, 2);
  const ca = file('TIDE_KAFKA_TLS_CA_FILE');
  const cert = file('TIDE_KAFKA_TLS_CERT_FILE');
  const key = file('TIDE_KAFKA_TLS_KEY_FILE');
  if ((cert === undefined) !== (key === undefined))
    throw new CliError('TIDE_KAFKA_TLS_CERT_FILE and TIDE_KAFKA_TLS_KEY_FILE go together (a client certificate and its key)', 2);
  // A CA or client certificate means TLS even without TIDE_KAFKA_TLS=true; false with them is a contradiction.
  if (tls === 'false' && (ca ?? cert) !== undefined) throw new CliError('TIDE_KAFKA_TLS=false contradicts TIDE_KAFKA_TLS_CA_FILE / _CERT_FILE', 2);
  if (ca !== undefined || cert !== undefined) security.ssl = { ...(ca === undefined ? {} : { ca: [ca] }), ...(cert === undefined ? {} : { cert, key: key! }) };
  else if (tls === 'true') security.ssl = true;

  const mechanism = env.TIDE_KAFKA_SASL_MECHANISM?.toLowerCase();
  const username = env.TIDE_KAFKA_SASL_USERNAME;
  const password = env.TIDE_KAFKA_SASL_PASSWORD ?? file('TIDE_KAFKA_SASL_PASSWORD_FILE')?.trim();
  if (mechanism === undefined || mechanism === '') {
    if (username !== undefined || password !== undefined)
      throw new CliError(`TIDE_KAFKA_SASL_USERNAME/PASSWORD need TIDE_KAFKA_SASL_MECHANISM (${MECHANISMS.join(', ')})`, 2);
    return security;
  }
  if (!(MECHANISMS as readonly string[]).includes(mechanism)) {
    throw new CliError(`TIDE_KAFKA_SASL_MECHANISM must be one of ${MECHANISMS.join(', ')}, got "${mechanism.slice(0, 40)}"`, 2);
  }
  if (!username || !password)
    throw new CliError(`TIDE_KAFKA_SASL_MECHANISM=${mechanism} needs TIDE_KAFKA_SASL_USERNAME and TIDE_KAFKA_SASL_PASSWORD (or _PASSWORD_FILE)`, 2);
  security.sasl = { mechanism: mechanism as (typeof MECHANISMS)[number], username, password };
  return security;
}
