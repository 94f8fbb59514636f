import { describe, expect, it } from 'vitest';
import type { PodLogLine } from '@tide/core';
import { formatPodLogLine, parsePodLogQuery, podLogWanted, type PodLogQuery } from './pod-log-query.js';

const NOW = Date.parse('2026-12-01T10:00:00Z');
const ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const line = (fields: Partial<PodLogLine> = {}): PodLogLine => ({
  namespace: 'default',
  function: 'hello',
  revision: 'hello-00001',
  pod: 'hello-00001-abcde',
  stream: 'stdout',
  at: NOW,
  line: 'hi',
  ...fields,
});
const query = (params: Record<string, string>): PodLogQuery => {
  const parsed = parsePodLogQuery(params, NOW, 100);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.query;
};

describe('pod log query', () => {
  it('reads every parameter, with defaults for those not given', () => {
    expect(query({})).toEqual({ tail: 100, follow: false, sinceMs: -Infinity, timestamps: false, format: 'text' });
    expect(query({ tail: '5', follow: 'true', pod: 'p', sinceSeconds: '60', timestamps: 'true', traceId: ID.toUpperCase(), format: 'json' })).toEqual({
      tail: 5,
      follow: true,
      pod: 'p',
      sinceMs: NOW - 60_000,
      timestamps: true,
      traceId: ID,
      format: 'json',
    });
    expect(query({ tail: '1000' }).tail).toBe(100);
  });

  it.each([
    [{ tail: 'all' }, 'tail', 'tail "all" must be a whole number of lines'],
    [{ sinceSeconds: '5m' }, 'sinceSeconds', 'sinceSeconds "5m" must be a whole number of seconds'],
    [{ traceId: 'xyz' }, 'traceId', 'traceId "xyz" must be hexadecimal (0-9, a-f)'],
    [{ traceId: 'abc123' }, 'traceId', 'traceId "abc123" must be 32 hexadecimal digits (a W3C trace id, the second field of a traceparent), not 6'],
    [{ traceId: '0'.repeat(32) }, 'traceId', 'is all zeros'],
    [{ format: 'yaml' }, 'format', 'format "yaml" must be text or json'],
  ])('refuses %o, naming %s', (params, field, message) => {
    const parsed = parsePodLogQuery(params, NOW, 100);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.field).toBe(field);
      expect(parsed.message).toContain(message);
    }
  });

  it("keeps the function's lines, of the pod, trace and time asked for", () => {
    const wanted = podLogWanted(query({ traceId: ID, pod: 'hello-00001-abcde', sinceSeconds: '10' }), 'default', 'hello');
    expect(wanted(line({ traceId: ID }))).toBe(true);
    expect(wanted(line())).toBe(false); // written outside any traced call
    expect(wanted(line({ traceId: 'f'.repeat(32) }))).toBe(false);
    expect(wanted(line({ traceId: ID, pod: 'hello-00001-zzzzz' }))).toBe(false);
    expect(wanted(line({ traceId: ID, at: NOW - 11_000 }))).toBe(false);
    expect(wanted(line({ traceId: ID, function: 'other' }))).toBe(false);
    expect(podLogWanted(query({}), 'default', 'hello')(line())).toBe(true);
  });

  it('prints text with the pod, the time asked for, the trace and the stderr mark; json as the record', () => {
    expect(formatPodLogLine(line(), query({}))).toBe('[hello-00001-abcde] hi\n');
    expect(formatPodLogLine(line({ traceId: ID, stream: 'stderr' }), query({ timestamps: 'true' }))).toBe(
      `[hello-00001-abcde] 2026-12-01T10:00:00.000Z trace=${ID} ! hi\n`,
    );
    expect(JSON.parse(formatPodLogLine(line({ traceId: ID }), query({ format: 'json' })))).toEqual({
      time: '2026-12-01T10:00:00.000Z',
      namespace: 'default',
      function: 'hello',
      revision: 'hello-00001',
      pod: 'hello-00001-abcde',
      stream: 'stdout',
      traceId: ID,
      line: 'hi',
    });
  });
});
