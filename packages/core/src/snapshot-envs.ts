import { createHash } from 'node:crypto';

/**
 * Env maps in a snapshot: each distinct one written once, by the sha256 of its JSON, and named by
 * that hash wherever a spec holds it. A function's env is held by the function, each kept
 * revision and every pod of them (one object in memory, shared by reference); written inline it
 * was written, and loaded, once for each.
 */
/**
 * The hash of each env folded, kept (64 characters) for as long as the env lives: env objects are
 * never changed once folded (a change is a new object). Its text is not kept: that would double
 * the memory of every env, to save a JSON.stringify per snapshot.
 */
const envHashes = new WeakMap<object, string>();

export function envHashOf(env: object, json = JSON.stringify(env)): string {
  let hash = envHashes.get(env);
  if (hash === undefined) {
    hash = createHash('sha256').update(json).digest('hex');
    envHashes.set(env, hash);
  }
  return hash;
}

/** The envs one snapshot names, gathered as its resources are written, then written sorted by hash. */
export function envTable() {
  const byHash = new Map<string, object>();
  return {
    /** The hash a resource's env is named by (noting the env to write), or undefined if it has none. */
    note(resource: object): string | undefined {
      const env = (resource as { spec?: { env?: unknown } }).spec?.env;
      if (!env || typeof env !== 'object') return undefined;
      const hash = envHashOf(env);
      byHash.set(hash, env);
      return hash;
    },
    *parts(): Generator<string> {
      let first = true;
      for (const hash of [...byHash.keys()].sort()) {
        yield `${first ? '' : ','}"${hash}":${JSON.stringify(byHash.get(hash))}`;
        first = false;
      }
    },
  };
}

/**
 * Puts each env back where a snapshot named it by hash: one object, shared by all that name it.
 * Returns a hash named but not held (the snapshot is then not to be trusted), else undefined.
 */
export function resolveEnvs(parsed: Record<string, unknown>, collections: readonly string[]): string | undefined {
  const envs = (parsed.envs ?? {}) as Record<string, object>;
  for (const name of collections) {
    for (const resource of Object.values((parsed[name] ?? {}) as Record<string, { spec?: { env?: unknown } }>)) {
      const spec = resource.spec;
      if (typeof spec?.env !== 'string') continue;
      const env = envs[spec.env];
      if (!env) return spec.env;
      spec.env = env;
    }
  }
  return undefined;
}
