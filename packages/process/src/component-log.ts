import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import { StartupError } from './startup-error.js';

/**
 * How a component's lines are written. text: `<RFC 3339 time> <msg>`, for a terminal; json: one
 * object a line (time, level, component, msg, trace_id and span_id inside a traced operation), for
 * a log collector (Loki, Fluent Bit, the OpenTelemetry collector's filelog receiver), as Knative's
 * components log. The trace fields are named as OpenTelemetry's log data model names them.
 */
export type LogFormat = 'text' | 'json';

export interface LogEntry {
  time: number;
  level: 'info' | 'warn' | 'error';
  component: string;
  msg: string;
  traceId?: string;
  spanId?: string;
}

/** A component's lines go through one of these: `report` in every component's options. */
export type Report = (line: string) => void;

/**
 * The entry of a line a component reports. Components say the level in the words they start a
 * line with (`error: ...`, `warning: ...`), which text keeps and json moves into `level`.
 */
export function logEntryOf(component: string, line: string, time: number, span?: { traceId: string; spanId: string }): LogEntry {
  const level = /^error: /.test(line) ? 'error' : /^warning: /.test(line) ? 'warn' : 'info';
  return { time, level, component, msg: level === 'info' ? line : line.replace(/^\w+: /, ''), ...(span ?? {}) };
}

export function formatLogEntry(entry: LogEntry, format: LogFormat): string {
  const time = new Date(entry.time).toISOString();
  if (format === 'text') return `${time} ${entry.level === 'info' ? '' : `${entry.level === 'warn' ? 'warning' : 'error'}: `}${entry.msg}`;
  const { traceId, spanId } = entry;
  return JSON.stringify({
    time,
    level: entry.level,
    component: entry.component,
    msg: entry.msg,
    ...(traceId ? { trace_id: traceId, span_id: spanId } : {}),
  });
}

/** `--log-format` or TIDE_LOG_FORMAT; text when neither is given. */
export function parseLogFormat(flag: string | undefined, env: string | undefined): LogFormat {
  const value = flag ?? env ?? 'text';
  if (value === 'text' || value === 'json') return value;
  throw new StartupError(`${flag === undefined ? 'TIDE_LOG_FORMAT' : '--log-format'} ${JSON.stringify(value)}: must be text or json`, 2);
}

/**
 * The reports of the components of one process, each named, written in one format. The trace is
 * the active span's where a line is reported inside a traced operation (a request, a reconcile).
 */
export function componentLogs(format: LogFormat, write: (line: string) => void, now: () => number = Date.now): (component: string) => Report {
  return (component) => (line) => write(formatLogEntry(logEntryOf(component, line, now(), activeSpan()), format));
}

function activeSpan(): { traceId: string; spanId: string } | undefined {
  const span = trace.getSpanContext(context.active());
  return span && isSpanContextValid(span) ? { traceId: span.traceId, spanId: span.spanId } : undefined;
}
