import { z } from 'zod';
import { dnsLabel } from './meta.js';
import { secretKey } from './secret.js';

export const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a valid environment variable name');

/**
 * One key of one secret of the function's own namespace (Kubernetes' secretKeyRef). It has no
 * namespace field: a function reads no other tenant's secrets, and saying so beats "unrecognized key".
 */
export const SecretKeyRef = z.strictObject(
  {
    /** The secret's name, as its metadata.name. */
    name: dnsLabel,
    key: secretKey,
    /** Absent secret or key: the variable is left out rather than the pod waiting (Kubernetes' optional). */
    optional: z.boolean().optional(),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys' && issue.keys.includes('namespace')
        ? "takes no namespace: a function's secrets are those of its own namespace"
        : undefined,
  },
);
export type SecretKeyRef = z.infer<typeof SecretKeyRef>;

/** `{valueFrom: {secretKeyRef: {name: db, key: PASSWORD}}}`: a variable whose value is a secret's key. */
export const EnvVarSource = z.strictObject({ valueFrom: z.strictObject({ secretKeyRef: SecretKeyRef }) });
export type EnvVarSource = z.infer<typeof EnvVarSource>;

/**
 * A function's env: each variable a plain string (as every manifest before secrets had), or one
 * key of a secret, as a Kubernetes container's `env[].valueFrom.secretKeyRef` under its own name.
 */
export const FunctionEnv = z.record(
  envVarName,
  z.union([z.string().max(32_768), EnvVarSource], {
    error: (issue) =>
      issue.code === 'invalid_union' ? 'must be a string, or {valueFrom: {secretKeyRef: {name: <secret>, key: <KEY>, optional?: true}}}' : undefined,
  }),
);
export type FunctionEnv = z.infer<typeof FunctionEnv>;

/** A variable taken from a secret: its name in the pod's env, and where its value is. */
export interface EnvSecretKeyRef {
  env: string;
  secret: string;
  key: string;
  optional: boolean;
}

/** The variables whose values are written in the spec (those a node can set without asking anyone). */
export function plainEnvOf(env: FunctionEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/** The variables taken from secrets' keys, sorted by variable name. */
export function secretKeyRefsOf(env: FunctionEnv): EnvSecretKeyRef[] {
  return Object.entries(env)
    .flatMap(([name, value]) => (typeof value === 'string' ? [] : [{ env: name, ...value.valueFrom.secretKeyRef }]))
    .map(({ env, name, key, optional }) => ({ env, secret: name, key, optional: optional === true }))
    .sort((a, b) => (a.env < b.env ? -1 : 1));
}

/**
 * The env as a revision keeps it: a reference only as what it names (`optional` only when true),
 * so that `optional: false` and no `optional` make the same revision, as the same pods.
 */
export function canonicalEnv(env: FunctionEnv): FunctionEnv {
  // Plain values only (most envs): already canonical. The same object, not a copy, so a function
  // and its revisions (and their pods) hold one env between them.
  if (Object.values(env).every((value) => typeof value === 'string')) return env;
  return Object.fromEntries(
    Object.entries(env).map(([name, value]) => {
      if (typeof value === 'string') return [name, value];
      const { name: secret, key, optional } = value.valueFrom.secretKeyRef;
      return [name, { valueFrom: { secretKeyRef: { name: secret, key, ...(optional ? { optional: true } : {}) } } }];
    }),
  );
}

/** Whether a spec's pods take anything from secrets (envFrom, or a variable's secretKeyRef). */
export function takesSecrets(spec: { env: FunctionEnv; envFrom?: readonly unknown[] | undefined }): boolean {
  return Boolean(spec.envFrom?.length) || Object.values(spec.env).some((value) => typeof value !== 'string');
}
