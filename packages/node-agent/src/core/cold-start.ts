import type { PodRunSpec } from '../pod-types.js';

/** What the agent's warm pool can offer right now. */
export interface WarmPoolView {
  /** Idle processes the pool keeps; 0 = disabled. */
  size: number;
  /** The heap limit (--max-old-space-size) every pool process was started with. */
  memoryMb: number;
  /** Pooled processes ready to be assigned now. */
  idle: number;
}

export type SpawnReason = 'pool disabled' | 'memory differs' | 'startup-only env' | 'pool empty';

export type ColdStartChoice = { path: 'pool' } | { path: 'spawn'; reason: SpawnReason };

/**
 * Environment variables Node reads only while it starts (options, certificates, module paths,
 * thread pool size). A pooled process has already started: given one of these it would silently
 * run without it, so such a pod is spawned. (NODE_ENV, TZ and the like are read at run time: fine.)
 */
export const STARTUP_ONLY_ENV: readonly string[] = [
  'NODE_OPTIONS',
  'NODE_EXTRA_CA_CERTS',
  'NODE_ICU_DATA',
  'NODE_PATH',
  'NODE_NO_WARNINGS',
  'NODE_PENDING_DEPRECATION',
  'NODE_PRESERVE_SYMLINKS',
  'NODE_REDIRECT_WARNINGS',
  'NODE_V8_COVERAGE',
  'NODE_DEBUG',
  'NODE_DEBUG_NATIVE',
  'NODE_COMPILE_CACHE',
  'NODE_TEST_CONTEXT',
  'UV_THREADPOOL_SIZE',
  'OPENSSL_CONF',
];

/**
 * Whether a pod's start takes an idle pooled process or spawns a new one. A pool process's heap
 * limit is fixed when it starts, so only a pod asking for exactly the pool's memoryMb fits.
 */
export function chooseColdStart(spec: Pick<PodRunSpec, 'memoryMb' | 'env'>, pool: WarmPoolView): ColdStartChoice {
  if (pool.size <= 0) return { path: 'spawn', reason: 'pool disabled' };
  if (spec.memoryMb !== pool.memoryMb) return { path: 'spawn', reason: 'memory differs' };
  if (STARTUP_ONLY_ENV.some((key) => key in spec.env)) return { path: 'spawn', reason: 'startup-only env' };
  if (pool.idle <= 0) return { path: 'spawn', reason: 'pool empty' };
  return { path: 'pool' };
}
