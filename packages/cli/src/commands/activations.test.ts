import { describe, expect, it } from 'vitest';
import { activationsTable, describeActivation, type ActivationView } from './activations.js';

const NOW = 1_800_000_000_000;
const a: ActivationView = {
  id: '6f1c',
  namespace: 'default',
  function: 'hello',
  status: 'succeeded',
  attempts: 2,
  queuedAt: NOW - 90_000,
  start: NOW - 89_000,
  end: NOW - 88_500,
  durationMs: 500,
  result: { status: 200, headers: { 'content-type': 'text/plain' }, body: 'hi', encoding: 'utf8' },
  callback: 'delivered',
};

describe('tide activations', () => {
  it('prints ID, FUNCTION, STATUS, ATTEMPTS, DURATION, AGE', () => {
    expect(activationsTable([a, { ...a, id: '7a2d', status: 'queued', attempts: 0, durationMs: undefined, queuedAt: NOW - 3_000 }], NOW).split('\n')).toEqual([
      'ID     FUNCTION   STATUS      ATTEMPTS   DURATION   AGE',
      '6f1c   hello      succeeded   2          500ms      90s',
      '7a2d   hello      queued      0          -          3.0s',
    ]);
  });

  it('says when there are none', () => {
    expect(activationsTable([], NOW)).toBe('No activations found.');
  });

  it('describes one activation with its result', () => {
    const text = describeActivation({ ...a, error: undefined });
    expect(text).toMatch(/Status: +succeeded/);
    expect(text).toMatch(/Attempts: +2/);
    expect(text).toMatch(/Result: +200\n {2}content-type: text\/plain\n\nhi/);
    expect(text).toMatch(/Callback: +delivered/);
    expect(text).toMatch(/Logs: no line names this activation/);
  });

  it('shows the pod lines that name the activation', () => {
    expect(describeActivation({ ...a, status: 'retrying', logs: ['[hello-00001-x] ! request 6f1c failed: Error: boom'] })).toMatch(
      /Logs:\n {2}\[hello-00001-x\] ! request 6f1c failed: Error: boom/,
    );
  });
});
