import { z } from 'zod';
import { decodeEvent, STATE_TOPIC } from '@tide/core';
import { ApiError, invalid } from '../errors.js';

const MAX_RECORDS_PER_APPEND = 1000;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** What `POST /log/{topic}` takes: NDJSON's record shape, value in base64. */
const AppendBody = z.object({
  records: z
    .array(
      z.object({
        value: z.string().regex(BASE64, 'must be base64'),
        key: z.string().optional(),
        headers: z.record(z.string(), z.string()).optional(),
      }),
    )
    .max(MAX_RECORDS_PER_APPEND),
});

export interface AppendRecord {
  value: Uint8Array;
  key?: string;
  headers?: Record<string, string>;
}

/**
 * The records of an append request, or an ApiError naming the first bad field. Records for the
 * state stream must be events: one that is not would only be folded as rejected, so it is refused
 * here (the fold still judges the preconditions of those that are).
 */
export function parseAppendBody(body: unknown, topic: string): AppendRecord[] {
  if (body === undefined)
    throw new ApiError(422, 'Invalid', 'body must be JSON: {"records": [{"value": "<base64>"}, ...]}', [{ field: 'records', message: 'required' }]);
  const parsed = AppendBody.safeParse(body);
  if (!parsed.success) throw invalid('log append', parsed.error);
  return parsed.data.records.map((r, i) => {
    const value = new Uint8Array(Buffer.from(r.value, 'base64'));
    if (topic === STATE_TOPIC) {
      const decoded = decodeEvent(0, value);
      if (!decoded.ok)
        throw new ApiError(422, 'Invalid', `records.${i}.value is ${decoded.reason}`, [{ field: `records.${i}.value`, message: decoded.reason }]);
    }
    return { value, ...(r.key === undefined ? {} : { key: r.key }), ...(r.headers === undefined ? {} : { headers: r.headers }) };
  });
}
