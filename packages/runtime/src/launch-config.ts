import { toPoolConfig, type PoolConfig } from './pool-protocol.js';
import { parseConfigObject, toRuntimeConfig, type RuntimeConfig } from './runtime-config.js';

/** argv[2] of main.js: a pod's config, or `{"mode":"pool",...}` for a warm-pool process. */
export function parseLaunchConfig(json: string | undefined): RuntimeConfig | PoolConfig {
  const value = parseConfigObject(json);
  return value.mode === 'pool' ? toPoolConfig(value) : toRuntimeConfig(value);
}

export function isPoolConfig(config: RuntimeConfig | PoolConfig): config is PoolConfig {
  return 'mode' in config && config.mode === 'pool';
}
