import { describe, expect, it } from 'vitest';
import { FunctionSpec, revisionTemplateOf } from './function.js';

const source = { artifact: `sha256:${'a'.repeat(64)}` };
const issues = (bindings: unknown) => {
  const result = FunctionSpec.safeParse({ source, bindings });
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('spec.bindings', () => {
  it('takes KV namespace bindings and makes them part of the revision template', () => {
    const spec = FunctionSpec.parse({ source, bindings: [{ name: 'CACHE', kv: 'my-kv' }] });
    expect(revisionTemplateOf(spec).bindings).toEqual([{ name: 'CACHE', kv: 'my-kv' }]);
  });

  it('leaves bindings out of the template of a function that binds nothing (older revisions compare equal)', () => {
    expect('bindings' in revisionTemplateOf(FunctionSpec.parse({ source }))).toBe(false);
  });

  it('refuses a KV name that is not DNS-1123, naming the field', () => {
    expect(issues([{ name: 'CACHE', kv: 'My_KV' }])).toEqual([expect.stringMatching(/^bindings\.0\.kv: must be a DNS-1123 label/)]);
  });

  it('refuses a binding name that is no variable name, and two bindings of one name', () => {
    expect(issues([{ name: '1CACHE', kv: 'a' }])[0]).toMatch(/^bindings\.0\.name:/);
    expect(
      issues([
        { name: 'C', kv: 'a' },
        { name: 'C', kv: 'b' },
      ]),
    ).toEqual(['bindings: binding names must be unique']);
  });

  it('takes a Workers Queues producer binding, bound to a topic of the namespace, into the revision template', () => {
    const spec = FunctionSpec.parse({
      source,
      bindings: [
        { name: 'RESERVATIONS', queue: 'reservations' },
        { name: 'CACHE', kv: 'my-kv' },
      ],
    });
    expect(revisionTemplateOf(spec).bindings).toEqual([
      { name: 'RESERVATIONS', queue: 'reservations' },
      { name: 'CACHE', kv: 'my-kv' },
    ]);
  });

  it('makes a change of the bound queue a change of the revision template', () => {
    const of = (queue: string) => revisionTemplateOf(FunctionSpec.parse({ source, bindings: [{ name: 'Q', queue }] }));
    expect(of('a')).toEqual(of('a'));
    expect(of('a')).not.toEqual(of('b'));
  });

  it('refuses a queue name that is no topic name, naming the field', () => {
    expect(issues([{ name: 'Q', queue: 'no spaces' }])).toContainEqual(expect.stringMatching(/^bindings\.0\.queue: must be a topic name/));
  });

  it('refuses what Tide cannot back (Durable Objects, D1, R2, services), naming it', () => {
    expect(issues([{ name: 'DB', d1: 'main' }])).toContainEqual(expect.stringMatching(/^bindings\.0\.d1: Tide cannot back d1 bindings/));
    expect(issues([{ name: 'ROOM', durable_object: 'Room' }])).toContainEqual(expect.stringMatching(/durable_object bindings/));
    expect(issues([{ name: 'B', r2: 'bucket' }])).toContainEqual(expect.stringMatching(/r2 bindings/));
  });
});
