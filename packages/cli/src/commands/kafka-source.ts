import { readFileSync } from 'node:fs';
import type { LogSource } from '@tide/process';
import { CliError } from '../api-client.js';
import { kafkaSecurityFromEnv } from './kafka-security.js';

type Env = Readonly<Record<string, string | undefined>>;

/** TIDE_KAFKA_BROKERS and its companions: the Kafka cluster a process runs on, or undefined for one machine. */
export function kafkaSourceFromEnv(env: Env): Extract<LogSource, { kind: 'kafka' }> | undefined {
  const brokers = (env.TIDE_KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0) return undefined;
  const fetchWait = env.TIDE_KAFKA_FETCH_WAIT_MS;
  if (fetchWait !== undefined && !/^\d{1,5}$/.test(fetchWait))
    throw new CliError(`TIDE_KAFKA_FETCH_WAIT_MS must be a number of milliseconds, got "${fetchWait.slice(0, 40)}"`, 2);
  return {
    kind: 'kafka',
    brokers,
    ...(fetchWait === undefined ? {} : { fetchMaxWaitMs: Number(fetchWait) }),
    security: kafkaSecurityFromEnv(env, (path) => readFileSync(path, 'utf8')),
  };
}
