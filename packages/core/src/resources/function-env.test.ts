import { describe, expect, it } from 'vitest';
import { FunctionSpec } from './function.js';
import { canonicalEnv, plainEnvOf, secretKeyRefsOf, takesSecrets, type FunctionEnv } from './function-env.js';

const ref = (name: string, key: string, optional?: boolean) => ({
  valueFrom: { secretKeyRef: { name, key, ...(optional === undefined ? {} : { optional }) } },
});
const spec = (env: unknown) => FunctionSpec.safeParse({ source: { artifact: `sha256:${'a'.repeat(64)}` }, env });
const problems = (env: unknown) => {
  const parsed = spec(env);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${['env', ...i.path.slice(1)].join('.')}: ${i.message}`);
};

describe("a function's env: plain strings, or one key of a secret", () => {
  it('keeps every plain env valid and plain, as before secrets', () => {
    expect(spec({ A: '1', B: '' }).data?.env).toEqual({ A: '1', B: '' });
    expect(spec(undefined).data?.env).toEqual({});
  });

  it("takes Kubernetes' valueFrom.secretKeyRef under the variable's own name", () => {
    expect(spec({ DB_PASS: ref('db', 'PASSWORD'), MAYBE: ref('extra', 'K', true) }).data?.env).toEqual({
      DB_PASS: ref('db', 'PASSWORD'),
      MAYBE: ref('extra', 'K', true),
    });
  });

  it.each([
    [{ A: ref('Db', 'K') }, 'env.A.valueFrom.secretKeyRef.name: must be lowercase letters, digits and "-", starting and ending with a letter or digit'],
    [{ A: ref('db', 'not-a-key') }, 'env.A.valueFrom.secretKeyRef.key: must be a valid environment variable name'],
    [
      { A: { valueFrom: { secretKeyRef: { name: 'db', key: 'K', namespace: 'other' } } } },
      "env.A.valueFrom.secretKeyRef: takes no namespace: a function's secrets are those of its own namespace",
    ],
    [
      { A: { valueFrom: { secretKeyRef: { name: 'db' } } } },
      'env.A: must be a string, or {valueFrom: {secretKeyRef: {name: <secret>, key: <KEY>, optional?: true}}}',
    ],
    [
      { A: { valueFrom: { configMapKeyRef: { name: 'c', key: 'K' } } } },
      'env.A: must be a string, or {valueFrom: {secretKeyRef: {name: <secret>, key: <KEY>, optional?: true}}}',
    ],
    [{ A: 3 }, 'env.A: must be a string, or {valueFrom: {secretKeyRef: {name: <secret>, key: <KEY>, optional?: true}}}'],
  ])('refuses %j, naming the field', (env, problem) => {
    expect(problems(env)).toEqual([problem]);
  });

  it('tells plain values from references', () => {
    const env: FunctionEnv = { Z: ref('db', 'PASSWORD'), A: 'plain', M: ref('extra', 'K', true) };
    expect(plainEnvOf(env)).toEqual({ A: 'plain' });
    expect(secretKeyRefsOf(env)).toEqual([
      { env: 'M', secret: 'extra', key: 'K', optional: true },
      { env: 'Z', secret: 'db', key: 'PASSWORD', optional: false },
    ]);
    expect(takesSecrets({ env })).toBe(true);
    expect(takesSecrets({ env: { A: 'plain' } })).toBe(false);
    expect(takesSecrets({ env: {}, envFrom: [{ secretRef: 'db' }] })).toBe(true);
    expect(takesSecrets({ env: {}, envFrom: [] })).toBe(false);
  });

  it('keeps a reference in a revision as what it names: optional only when true', () => {
    expect(canonicalEnv({ A: 'x', B: ref('db', 'K', false), C: ref('db', 'K', true) })).toEqual({ A: 'x', B: ref('db', 'K'), C: ref('db', 'K', true) });
  });
});
