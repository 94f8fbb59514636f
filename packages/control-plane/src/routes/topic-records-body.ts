import { z } from 'zod';
import { ApiError, invalid } from '../errors.js';

/** Most records in one `POST .../topics/{topic}/records`. */
export const MAX_RECORDS_PER_PUBLISH = 1000;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * What the records API takes (Confluent's REST proxy shape, simplified): a value is JSON (stored
 * as its JSON text, content-type application/json) or a string (stored as its UTF-8 bytes), or,
 * with `"encoding": "base64"`, binary given as base64.
 */
export const PublishRecordsBody = z
  .object({
    records: z
      .array(
        z
          .object({
            key: z.string().max(4096).optional(),
            value: z.unknown().refine((v) => v !== undefined, 'required: any JSON value, or a string'),
            encoding: z.literal('base64').optional(),
            headers: z.record(z.string().min(1).max(256), z.string()).optional(),
          })
          .strict()
          .superRefine((r, ctx) => {
            if (r.encoding !== 'base64') return;
            if (typeof r.value !== 'string') ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be a base64 string with "encoding": "base64"' });
            else if (!BASE64.test(r.value)) ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be base64' });
          }),
      )
      .min(1)
      .max(MAX_RECORDS_PER_PUBLISH),
  })
  .strict();

export interface RecordToPublish {
  key?: string;
  value: Uint8Array;
  headers: Record<string, string>;
}

/**
 * The records of a publish request, or an ApiError naming the first bad field. The caller's
 * `traceparent` (and `tracestate`) go on each record that carries none, so the records and the
 * invocations they cause are one trace with the request that produced them.
 */
export function parsePublishRecords(body: unknown, trace: { traceparent?: string; tracestate?: string } = {}): RecordToPublish[] {
  if (body === undefined)
    throw new ApiError(400, 'BadRequest', 'body must be JSON: {"records": [{"key": "...", "value": ...}]}', [{ field: 'records', message: 'required' }]);
  const parsed = PublishRecordsBody.safeParse(body);
  if (!parsed.success) throw invalid('records', fieldPath(parsed.error));
  return parsed.data.records.map((r) => {
    const headers = { ...r.headers };
    let value: Uint8Array;
    if (r.encoding === 'base64') value = new Uint8Array(Buffer.from(r.value as string, 'base64'));
    else if (typeof r.value === 'string') value = new TextEncoder().encode(r.value);
    else {
      value = new TextEncoder().encode(JSON.stringify(r.value));
      if (!hasHeader(headers, 'content-type')) headers['content-type'] = 'application/json';
    }
    if (trace.traceparent && !hasHeader(headers, 'traceparent')) {
      headers.traceparent = trace.traceparent;
      if (trace.tracestate && !hasHeader(headers, 'tracestate')) headers.tracestate = trace.tracestate;
    }
    return { ...(r.key !== undefined && { key: r.key }), value, headers };
  });
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((h) => h.toLowerCase() === name);
}

/** Writes array indexes as `records[2].value`, the way a user reads the body. */
function fieldPath(error: z.ZodError): z.ZodError {
  for (const issue of error.issues) {
    const path: PropertyKey[] = [];
    for (const part of issue.path) {
      if (typeof part === 'number' && path.length > 0) path[path.length - 1] = `${String(path[path.length - 1])}[${part}]`;
      else path.push(part);
    }
    (issue as { path: PropertyKey[] }).path = path;
  }
  return error;
}
