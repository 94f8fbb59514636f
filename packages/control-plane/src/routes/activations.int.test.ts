import { ACTIVATIONS_TOPIC, encodeActivationRecord, encodePodLogBatch, LOGS_TOPIC, openStateStore, type ActivationRecord } from '@tide/core';
import { createMemoryLog } from '@tide/log/testing';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import { describe, expect, it } from 'vitest';
import { openArtifactStore } from '../adapters/artifact-store.js';
import { followActivations } from '../activation-view.js';
import { createControlPlaneApp } from '../app.js';

const now = Date.now();
const record = (id: string, fn: string, queuedAt: number, over: Partial<ActivationRecord> = {}): ActivationRecord => ({
  kind: 'activation',
  id,
  namespace: 'default',
  function: fn,
  status: 'succeeded',
  attempts: 1,
  queuedAt,
  updatedAt: queuedAt + 5,
  result: { status: 200, headers: {}, body: `result of ${id}`, encoding: 'utf8' },
  ...over,
});

describe('the activations API', () => {
  it('serves what the async worker recorded on tide.activations: one by id, a list newest first, 404 for an unknown id', async () => {
    const dir = await makeTempDir();
    const log = createMemoryLog();
    const store = await openStateStore({ log });
    const activations = followActivations(log);
    try {
      const app = createControlPlaneApp({
        store,
        log,
        artifacts: await openArtifactStore(dir.path),
        limits: { manifestBytes: 1 << 20, artifactBytes: 1 << 20 },
        activations: activations.view,
      });
      await log.append(ACTIVATIONS_TOPIC, [
        { key: 'a', value: encodeActivationRecord(record('a', 'hello', now - 3000, { status: 'running', updatedAt: now - 2999 })) },
        { key: 'b', value: encodeActivationRecord(record('b', 'other', now - 2000)) },
        { key: 'c', value: encodeActivationRecord(record('c', 'hello', now - 1000)) },
        { key: 'a', value: encodeActivationRecord(record('a', 'hello', now - 3000)) },
      ]);
      const logLine = (fn: string, line: string) => ({
        namespace: 'default',
        function: fn,
        pod: `${fn}-00001-abcde`,
        stream: 'stderr' as const,
        at: now - 2500,
        line,
      });
      await log.append(LOGS_TOPIC, [
        {
          value: encodePodLogBatch({
            kind: 'pod-logs',
            node: 'node-a',
            lines: [logLine('hello', 'request a failed: Error: boom'), logLine('hello', 'unrelated'), logLine('other', 'request a failed: elsewhere')],
          }),
        },
      ]);
      const one = await eventually(async () => {
        const res = await app.request('/apis/tide.dev/v1/namespaces/default/activations/a');
        expect(res.status).toBe(200);
        const body = (await res.json()) as Record<string, unknown>;
        expect(body.status).toBe('succeeded');
        return body;
      });
      expect(one).toMatchObject({ kind: 'Activation', id: 'a', status: 'succeeded', result: { body: 'result of a' } });
      expect(one.logs).toEqual(['[hello-00001-abcde] ! request a failed: Error: boom']);

      const list = await app.request('/apis/tide.dev/v1/namespaces/default/activations?function=hello&limit=5');
      expect(((await list.json()) as { items: { id: string }[] }).items.map((i) => i.id)).toEqual(['c', 'a']);
      const limited = await app.request('/apis/tide.dev/v1/namespaces/default/activations?limit=1');
      expect(((await limited.json()) as { items: { id: string }[] }).items.map((i) => i.id)).toEqual(['c']);

      const missing = await app.request('/apis/tide.dev/v1/namespaces/default/activations/nope');
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as { message: string }).message).toMatch(/activation default\/nope not found/);
      expect((await app.request('/apis/tide.dev/v1/namespaces/default/activations?limit=0')).status).toBe(400);
    } finally {
      await activations.stop();
      await store.close();
      await log.close();
      await dir.remove();
    }
  });
});
