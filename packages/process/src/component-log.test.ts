import { describe, expect, it } from 'vitest';
import { componentLogs, formatLogEntry, logEntryOf, parseLogFormat } from './component-log.js';

const T = Date.parse('2026-12-01T10:00:00Z');
const span = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };

describe('component log lines', () => {
  it.each([
    ['gateway is up at http://127.0.0.1:8080', 'info', 'gateway is up at http://127.0.0.1:8080'],
    ['error: reporting pod a failed: log closed', 'error', 'reporting pod a failed: log closed'],
    ['warning: secret s cannot be opened', 'warn', 'secret s cannot be opened'],
    ['errors: none', 'info', 'errors: none'],
  ])('reads the level of %j from its first word', (line, level, msg) => {
    expect(logEntryOf('gateway', line, T)).toEqual({ time: T, level, component: 'gateway', msg });
  });

  it('writes text as the line was reported, after its time', () => {
    for (const line of ['gateway is up', 'error: it broke', 'warning: careful'])
      expect(formatLogEntry(logEntryOf('gateway', line, T, span), 'text')).toBe(`2026-12-01T10:00:00.000Z ${line}`);
  });

  it('writes json with the level, the component and the trace of the operation it was reported in', () => {
    expect(JSON.parse(formatLogEntry(logEntryOf('node', 'error: pod a failed', T, span), 'json'))).toEqual({
      time: '2026-12-01T10:00:00.000Z',
      level: 'error',
      component: 'node',
      msg: 'pod a failed',
      trace_id: span.traceId,
      span_id: span.spanId,
    });
    expect(JSON.parse(formatLogEntry(logEntryOf('node', 'up', T), 'json'))).toEqual({
      time: '2026-12-01T10:00:00.000Z',
      level: 'info',
      component: 'node',
      msg: 'up',
    });
  });

  it('names each component of a process in its lines', () => {
    const lines: string[] = [];
    const logFor = componentLogs(
      'json',
      (line) => lines.push(line),
      () => T,
    );
    logFor('control-plane')('leading');
    logFor('gateway')('warning: slow');
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { time: '2026-12-01T10:00:00.000Z', level: 'info', component: 'control-plane', msg: 'leading' },
      { time: '2026-12-01T10:00:00.000Z', level: 'warn', component: 'gateway', msg: 'slow' },
    ]);
  });

  it('takes the format from the flag, else TIDE_LOG_FORMAT, else text, and names the one that is wrong', () => {
    expect(parseLogFormat(undefined, undefined)).toBe('text');
    expect(parseLogFormat(undefined, 'json')).toBe('json');
    expect(parseLogFormat('text', 'json')).toBe('text');
    expect(() => parseLogFormat('yaml', undefined)).toThrow('--log-format "yaml": must be text or json');
    expect(() => parseLogFormat(undefined, 'JSON')).toThrow('TIDE_LOG_FORMAT "JSON": must be text or json');
  });
});
