import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import { EventEnvelope } from './events.js';
import { compileFastParse } from './fast-parse.js';
import { decodeEvent } from './encoding.js';
import { DIGEST_A, functionManifest } from './testing/builders.js';

const fastEnvelope = compileFastParse(EventEnvelope);
const envelope = { id: 'e-00000001', time: '2025-01-01T00:00:00.000Z' };

/** Valid records of every shape a replay sees most, and some it leaves to zod. */
const VALID: Record<string, unknown>[] = [
  { type: 'PodCreated', data: { namespace: 'team-a', name: 'hello-00001-abcde', revision: 'hello-00001' }, ...envelope, expect: null },
  { type: 'PodCreated', data: { namespace: 'team-a', name: 'hello-00001-abcde', revision: 'hello-00001', causeOffset: 12 }, ...envelope },
  { type: 'PodBound', data: { namespace: 'team-a', name: 'hello-00001-abcde', node: 'n1' }, ...envelope, leader: { role: 'scheduler', epoch: 2 } },
  { type: 'PodBound', data: { namespace: 'team-a', name: 'hello-00001-abcde', node: 'n1', scores: { spread: 50 } }, ...envelope },
  { type: 'PodDeletionRequested', data: { namespace: 'a', name: 'p', reason: 'scaled down' }, ...envelope, expect: 7, actor: 'controller' },
  {
    type: 'PodStatusReported',
    data: { namespace: 'team-a', name: 'hello-00001-abcde', node: 'n1', bootId: 'b1', phase: 'Ready', endpoint: 'http://127.0.0.1:9000', restartCount: 0 },
    ...envelope,
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  },
  {
    type: 'PodStatusReported',
    data: {
      namespace: 'x',
      name: 'y',
      node: 'n',
      bootId: 'b',
      phase: 'Exited',
      reason: 'stopped',
      exitCode: null,
      restartCount: 3,
      nextRestartAt: 1.5,
      coldStart: 'pool',
      startMs: 0,
    },
    ...envelope,
  },
  // Keys in a writer's order, not the schema's: zod's output has the schema's order.
  { expect: 3, time: envelope.time, id: envelope.id, data: { name: 'p', node: 'n', namespace: 'a' }, type: 'PodRemoved' },
  { type: 'PodRemoved', data: { namespace: 'a', name: 'p' }, ...envelope },
  { type: 'ScaleSet', data: { namespace: 'a', name: 'f', from: 1, to: 2, reason: 'load', inputs: { rps: 3 } }, ...envelope },
  { type: 'ScaleSet', data: { namespace: 'a', name: 'f', from: 1, to: 2, reason: 'load' }, ...envelope },
  { type: 'FunctionApplied', data: { namespace: 'a', manifest: functionManifest('hello', { source: { artifact: DIGEST_A } }) }, ...envelope },
  {
    type: 'FunctionApplied',
    data: {
      namespace: 'a',
      manifest: {
        ...functionManifest('hello', {
          source: { artifact: DIGEST_A },
          env: { LEVEL: 'info', TOKEN: { valueFrom: { secretKeyRef: { name: 'db', key: 'TOKEN' } } } },
          tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }],
          traffic: [
            { latestRevision: true, percent: 80 },
            { revision: 'hello-00001', percent: 20, tag: 'old' },
          ],
          rollout: { maxSurge: 1, maxUnavailable: '10%' },
          nodeSelector: { zone: 'a' },
        }),
        // An unknown key first: zod keeps it, after the schema's own keys.
        metadata: { extra: 'kept by passthrough', name: 'hello', labels: { team: 'a' } },
      },
    },
    ...envelope,
  },
  { type: 'NamespaceApplied', data: { name: 'a', labels: {}, annotations: {} }, ...envelope },
  { type: 'LeaderElected', data: { role: 'controllers', epoch: 1, holder: 'me' }, ...envelope },
  { type: 'NodeCordoned', data: { name: 'n1', unschedulable: true }, ...envelope },
  { type: 'RulesVersionRaised', data: { version: 4 }, ...envelope },
];

/** What a record may be turned into: every kind of wrong value, and right ones at the edges. */
const oddValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(-1, 0, -0, 0.5, 1.5, 2 ** 53, 2 ** 53 - 1, -(2 ** 53), 1e308, 64, 65, 253, 254),
  fc.constantFrom('', 'a', 'A', '-a', 'a-', 'a'.repeat(63), 'a'.repeat(64), 'a'.repeat(129), 'a'.repeat(254), '\u{1F600}', '\uD800', 'é', 'Ready', 'pool'),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.integer({ min: 0, max: 70 }).map((n) => '\u{1F600}'.repeat(n)),
);

/** Names a key may be given: unknown ones, and ones a record's key schema refuses. */
const oddKey = fc.constantFrom('unknown', 'x', '1starts-with-a-digit', 'has space', '', 'a'.repeat(254), 'constructor', 'toString');

type Step = { at: number; key: number; how: 'delete' | 'set' | 'add' | 'reverse'; value: unknown; name: string };
const step: fc.Arbitrary<Step> = fc.record({
  at: fc.nat(),
  key: fc.nat(),
  how: fc.constantFrom('delete', 'set', 'add', 'reverse'),
  value: oddValue,
  name: oddKey,
});

/** Every object in a record (the record itself, its data, nested ones), to pick one to change. */
function objectsIn(value: unknown, found: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (value && typeof value === 'object') {
    if (!Array.isArray(value)) found.push(value as Record<string, unknown>);
    for (const child of Object.values(value)) objectsIn(child, found);
  }
  return found;
}

function mutated(base: Record<string, unknown>, steps: Step[]): unknown {
  const record = structuredClone(base);
  for (const { at, key, how, value, name: added } of steps) {
    const objects = objectsIn(record);
    const target = objects[at % objects.length]!;
    const keys = Object.keys(target);
    const name = keys.length ? keys[key % keys.length]! : 'x';
    if (how === 'delete') delete target[name];
    else if (how === 'set') target[name] = value;
    else if (how === 'add') target[added] = value;
    else {
      const entries = Object.entries(target).reverse();
      for (const [k] of entries) delete target[k];
      for (const [k, v] of entries) target[k] = v;
    }
  }
  return record;
}

/** The fast parse either defers, or says what zod says: the same value, keys in the same order. */
function expectZodsVerdict(record: unknown): void {
  const fast = fastEnvelope(record);
  if (fast === undefined) return;
  const zod = EventEnvelope.safeParse(record);
  expect(zod.success).toBe(true);
  expect(fast).toStrictEqual(zod.data);
  expect(JSON.stringify(fast)).toBe(JSON.stringify(zod.data));
}

describe('the fast parse of a record', () => {
  it('gives zod’s output for every valid record', () => {
    for (const record of VALID) {
      expect(EventEnvelope.safeParse(record).success).toBe(true);
      expectZodsVerdict(record);
    }
  });

  it('vouches for the pod events and applies a replay is made of (or it would save nothing)', () => {
    for (const record of VALID.filter((r) => /^(Pod|FunctionApplied)/.test(String(r.type)))) {
      expect(fastEnvelope(record)).toEqual(EventEnvelope.parse(record));
    }
  });

  it('never accepts what zod rejects, nor makes of a record something zod would not', () => {
    fc.assert(
      fc.property(fc.constantFrom(...VALID), fc.array(step, { minLength: 1, maxLength: 3 }), (base, steps) => expectZodsVerdict(mutated(base, steps))),
      { numRuns: 5_000 },
    );
  });

  it('rejects every record zod rejects, with zod’s reasons', () => {
    fc.assert(
      fc.property(fc.constantFrom(...VALID), fc.array(step, { minLength: 1, maxLength: 3 }), (base, steps) => {
        const record = mutated(base, steps);
        const decoded = decodeEvent(5, new TextEncoder().encode(JSON.stringify(record)));
        const zod = EventEnvelope.safeParse(JSON.parse(JSON.stringify(record)));
        expect(decoded.ok).toBe(zod.success);
        if (!decoded.ok && !zod.success) expect(decoded.reason).toContain(zod.error.issues[0]!.message);
      }),
      { numRuns: 2_000 },
    );
  });

  it('leaves to zod what it cannot read: unknown keys to strip or reject, unions, pipes, refinements that fail, defaults, coercion, formats', () => {
    const cases: [z.ZodType, unknown][] = [
      [z.strictObject({ a: z.string() }), { a: 'x', b: 1 }],
      // The first option of the value's type decides in zod: one it cannot vouch for is zod's to try.
      [z.object({ a: z.union([z.email(), z.string()]) }), { a: 'x' }],
      [z.union([z.number().int(), z.number()]), 1.5],
      [z.object({ a: z.string().pipe(z.string()) }), { a: 'x' }],
      [z.record(z.enum(['x', 'y']), z.string()), { x: 'a', y: 'b' }],
      [z.record(z.string(), z.string()), JSON.parse('{"__proto__": "a"}')],
      [z.looseObject({ a: z.string() }), JSON.parse('{"a": "x", "__proto__": 1}')],
      [z.object({ a: z.string() }).refine(() => false), { a: 'x' }],
      [z.object({ a: z.string().default('d') }), {}],
      [z.object({ a: z.coerce.number() }), { a: 1 }],
      [z.object({ a: z.email() }), { a: 'not an email' }],
      [z.object({ a: z.string() }), { a: 'x', b: 1 }],
    ];
    for (const [schema, value] of cases) expect(compileFastParse(schema)(value)).toBeUndefined();
  });

  it('counts string lengths in code points, as zod does', () => {
    const name = z.object({ s: z.string().min(2).max(3) });
    const fast = compileFastParse(name);
    for (const s of ['\u{1F600}', '\u{1F600}\u{1F600}', 'ab', 'abc', 'abcd', '\u{1F600}\u{1F600}\u{1F600}\u{1F600}', 'a\uD800']) {
      const verdict = fast({ s });
      if (verdict !== undefined) expect(name.safeParse({ s }).success).toBe(true);
    }
    expect(fast({ s: 'ab' })).toEqual({ s: 'ab' });
  });
});
