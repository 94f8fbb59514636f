import { EventEnvelope, type LoggedEvent } from './events.js';
import { compileFastParse } from './fast-parse.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** zod's verdict on the records it vouches for, faster; the rest (every invalid one) goes to zod. */
const fastEnvelope = compileFastParse(EventEnvelope);

export function encodeEvent(envelope: EventEnvelope): Uint8Array {
  return encoder.encode(JSON.stringify(envelope));
}

export type DecodeResult = { ok: true; event: LoggedEvent } | { ok: false; offset: number; reason: string };

/**
 * Decodes and validates a record. A record that is not a valid event is not an error of the
 * reader: the fold records it as rejected, so every reader still reaches the same state.
 */
export function decodeEvent(offset: number, bytes: Uint8Array, writer?: string): DecodeResult {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes));
  } catch (error) {
    return { ok: false, offset, reason: `not JSON: ${(error as Error).message}` };
  }
  let event = fastEnvelope(json) as LoggedEvent | undefined;
  if (event === undefined) {
    const parsed = EventEnvelope.safeParse(json);
    if (!parsed.success) {
      return { ok: false, offset, reason: `not a valid event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
    }
    event = parsed.data as LoggedEvent;
  }
  // Either parse's output is a new object of ours (or the record's own JSON): stamped in place,
  // not copied (a copy per event).
  event.offset = offset;
  if (writer !== undefined) event.writer = writer;
  return { ok: true, event };
}
