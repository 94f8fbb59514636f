import { createHash } from 'node:crypto';

/**
 * Env maps in a snapshot: each distinct one written once, by the sha256 of its JSON, and named by
 * that hash wherever a spec holds it. A function's env is held by the function, each kept
 * revision and every pod of them (one object in memory, shared by reference); written inline it
 * was written, and loaded, once for each.
 */
export interface EncodedEnv {
  hash: string;
  json: string;
}

/** Env objects are never changed once folded (a change is a new object): their text is computed once. */
const encodedEnvs = new WeakMap<object, EncodedEnv>();

export function encodedEnvOf(env: object): EncodedEnv {
  let encoded = encodedEnvs.get(env);
  if (encoded === undefined) {
    const json = JSON.stringify(env);
    encoded = { hash: createHash('sha256').update(json).digest('hex'), json };
    encodedEnvs.set(env, encoded);
  }
  return encoded;
}

/** The envs one snapshot names, gathered as its resources are written, then written sorted by hash. */
export function envTable() {
  const byHash = new Map<string, string>();
  return {
    note(resource: object): void {
      const env = (resource as { spec?: { env?: unknown } }).spec?.env;
      if (env && typeof env === 'object') {
        const { hash, json } = encodedEnvOf(env);
        byHash.set(hash, json);
      }
    },
    *parts(): Generator<string> {
      let first = true;
      for (const hash of [...byHash.keys()].sort()) {
        yield `${first ? '' : ','}"${hash}":${byHash.get(hash)!}`;
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
