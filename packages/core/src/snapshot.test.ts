import { describe, expect, it } from 'vitest';
import { foldAll, functionManifest } from './testing/builders.js';
import { decodeSnapshot, encodeSnapshot, snapshotChunks, SnapshotFormatError } from './snapshot.js';

const ns = { type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } } as const;
const big = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`VAR_${i}`, `value-${i}-`.repeat(50)]));
const withPods = foldAll([
  ns,
  { type: 'FunctionApplied', data: { namespace: 'default', manifest: functionManifest('hello', { env: big }) } },
  ...['a', 'b', 'c'].map((p) => ({ type: 'PodCreated', data: { namespace: 'default', name: `hello-00001-${p}`, revision: 'hello-00001' } }) as const),
]).state;

describe('snapshots', () => {
  it("write a function's env once, however many revisions and pods hold it", () => {
    const text = new TextDecoder().decode(encodeSnapshot(withPods));
    expect(text.split('"VAR_3":').length - 1).toBe(1);
  });

  it('load that env as one object, shared by the function, its revision and its pods', () => {
    const state = decodeSnapshot(encodeSnapshot(withPods));
    const env = state.functions.get('default/hello')!.spec.env;
    expect(env).toEqual(big);
    expect(state.revisions.get('default/hello-00001')!.spec.env).toBe(env);
    for (const pod of state.pods.values()) expect(pod.spec.env).toBe(env);
    expect(encodeSnapshot(state)).toEqual(encodeSnapshot(withPods));
  });

  it('are refused, not misread, when they name an env they do not hold', () => {
    const json = JSON.parse(new TextDecoder().decode(encodeSnapshot(withPods))) as Record<string, unknown>;
    expect(() => decodeSnapshot(new TextEncoder().encode(JSON.stringify({ ...json, envs: {} })))).toThrow(SnapshotFormatError);
    expect(() => decodeSnapshot(new TextEncoder().encode(JSON.stringify({ ...json, format: 5 })))).toThrow(/format 5 is not/);
  });

  it('stream as chunks of about a MiB whose bytes are the whole snapshot', () => {
    // 150 functions with distinct 10 KB envs: more than one chunk.
    const many = foldAll([
      ns,
      ...Array.from({ length: 150 }, (_, i) => ({
        type: 'FunctionApplied' as const,
        data: { namespace: 'default', manifest: functionManifest(`fn-${i}`, { env: { ...big, INDEX: String(i) } }) },
      })),
    ]).state;
    const chunks = [...snapshotChunks(many)];
    expect(chunks.length).toBeGreaterThan(1);
    expect(Math.max(...chunks.map((c) => c.byteLength))).toBeLessThan(2 << 20);
    expect(Buffer.concat(chunks)).toEqual(Buffer.from(encodeSnapshot(many)));
  });
});
