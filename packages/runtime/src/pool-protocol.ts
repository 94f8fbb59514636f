import { parseKvBindings, RuntimeConfigError } from './runtime-config.js';

/**
 * A generic runtime the node agent starts ahead of need (its warm pool): no artifact yet.
 * `node [--max-old-space-size=M] main.js '{"mode":"pool","poolToken":"..."}'`, with an IPC channel.
 * It loads everything a pod needs, sends `{type:'pooled'}`, then waits for one AssignMessage.
 */
export interface PoolConfig {
  mode: 'pool';
  /** Interface the pod will listen on once assigned. */
  host: string;
  /**
   * Random per pool process and present in its argv (/proc/<pid>/cmdline cannot change after
   * start): the agent records it in the pid file of whichever pod the process becomes, so an agent
   * that restarts after a crash still recognises the process as its own.
   */
  poolToken: string;
  /**
   * Informational: the agent's pool directory. It puts the node's data directory into the
   * process's command line, as a pod's artifact path does, so whoever looks for an agent's
   * processes by its data directory (ps, tests) finds pool processes and the pods they become.
   */
  poolDir?: string;
}

/** Agent → pooled runtime, once: become this pod. */
export interface AssignMessage {
  type: 'assign';
  artifactPath: string;
  timeoutMs: number;
  /** The pod's whole environment: it replaces the pooled process's own, key for key. */
  env: Record<string, string>;
  /** The pod's working directory (a spawned pod starts there). */
  cwd?: string;
  /** Pod name; informational. */
  pod?: string;
  /** Informational: the token the agent recorded for this pod (a pooled process's is its poolToken). */
  startToken?: string;
  /** As RuntimeConfig.reportInvocations. */
  reportInvocations?: boolean;
  /** As RuntimeConfig.kvBindings. */
  kvBindings?: string[];
  /** As RuntimeConfig.queueBindings. */
  queueBindings?: string[];
}

/** Validates an already JSON-parsed pool config (see parseLaunchConfig). */
export function toPoolConfig(value: Record<string, unknown>): PoolConfig {
  const poolToken = value.poolToken;
  if (typeof poolToken !== 'string' || poolToken === '') throw new RuntimeConfigError('must be a non-empty string', 'poolToken');
  const host = value.host ?? '127.0.0.1';
  if (typeof host !== 'string') throw new RuntimeConfigError('must be a string', 'host');
  const config: PoolConfig = { mode: 'pool', host, poolToken };
  if (typeof value.poolDir === 'string') config.poolDir = value.poolDir;
  return config;
}

/** Validates the agent's assign message by hand (no zod: this is on the cold-start path). */
export function parseAssignMessage(raw: unknown): AssignMessage {
  if (typeof raw !== 'object' || raw === null) throw new RuntimeConfigError('must be an object', 'assign');
  const value = raw as Record<string, unknown>;
  if (value.type !== 'assign') throw new RuntimeConfigError(`expected "assign", got ${JSON.stringify(value.type)}`, 'assign.type');
  const artifactPath = value.artifactPath;
  if (typeof artifactPath !== 'string' || artifactPath === '') throw new RuntimeConfigError('must be a non-empty string', 'assign.artifactPath');
  const timeoutMs = value.timeoutMs;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new RuntimeConfigError('must be a positive number', 'assign.timeoutMs');
  }
  const message: AssignMessage = { type: 'assign', artifactPath, timeoutMs, env: parseEnv(value.env) };
  for (const key of ['cwd', 'pod', 'startToken'] as const) {
    const field = value[key];
    if (field === undefined) continue;
    if (typeof field !== 'string') throw new RuntimeConfigError('must be a string', `assign.${key}`);
    message[key] = field;
  }
  const report = value.reportInvocations;
  if (report !== undefined && typeof report !== 'boolean') throw new RuntimeConfigError('must be a boolean', 'assign.reportInvocations');
  if (report === true) message.reportInvocations = true;
  const kvBindings = parseKvBindings(value.kvBindings, 'assign.kvBindings');
  if (kvBindings) message.kvBindings = kvBindings;
  const queueBindings = parseKvBindings(value.queueBindings, 'assign.queueBindings');
  if (queueBindings) message.queueBindings = queueBindings;
  return message;
}

function parseEnv(raw: unknown): Record<string, string> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new RuntimeConfigError('must be an object of strings', 'assign.env');
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') throw new RuntimeConfigError('must be a string', `assign.env.${key}`);
    env[key] = value;
  }
  return env;
}
