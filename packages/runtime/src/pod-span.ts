import {
  type Attributes,
  type AttributeValue,
  type Exception,
  type Link,
  type Span,
  type SpanContext,
  type SpanStatus,
  type TimeInput,
  SpanKind,
  SpanStatusCode,
} from '@opentelemetry/api';
import type { CallSpans } from './call-spans.js';
import type { SpanAttributes, SpanAttributeValue, SpanRecord } from './runtime-config.js';

/** Per span, as the OpenTelemetry SDK's defaults: a runaway loop of setAttribute stays bounded. */
const MAX_ATTRIBUTES = 128;
const MAX_EVENTS = 128;
const MAX_LINKS = 128;

/** Epoch milliseconds now, on the clock the runtime times calls with. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** @opentelemetry/api's TimeInput as epoch ms: a number below timeOrigin is performance.now()-relative, as the SDK reads it. */
export function toEpochMs(time: TimeInput | undefined): number {
  if (time === undefined) return nowMs();
  if (typeof time === 'number') return time < performance.timeOrigin ? performance.timeOrigin + time : time;
  if (time instanceof Date) return time.getTime();
  return time[0] * 1e3 + time[1] / 1e6;
}

function isAttributeValue(value: unknown): value is SpanAttributeValue {
  const type = typeof value;
  if (type === 'string' || type === 'boolean' || (type === 'number' && Number.isFinite(value))) return true;
  if (!Array.isArray(value)) return false;
  let kind: string | undefined;
  for (const item of value) {
    if (item === null || item === undefined) continue;
    if (kind === undefined) kind = typeof item;
    if (typeof item !== kind || (kind !== 'string' && kind !== 'number' && kind !== 'boolean')) return false;
  }
  return true;
}

/** Copies the valid attributes into `into` (up to the limit): what JSON can carry to the agent. */
function addAttributes(into: SpanAttributes, attributes: Attributes | undefined): SpanAttributes {
  if (!attributes) return into;
  for (const [key, value] of Object.entries(attributes)) {
    if (key === '' || !isAttributeValue(value)) continue;
    if (!(key in into) && Object.keys(into).length >= MAX_ATTRIBUTES) continue;
    into[key] = Array.isArray(value) ? (value.slice() as SpanAttributeValue) : value;
  }
  return into;
}

function attributesOrNone(attributes: Attributes | undefined): { attributes?: SpanAttributes } {
  const copied = addAttributes({}, attributes);
  return Object.keys(copied).length ? { attributes: copied } : {};
}

/**
 * A recording span a function started in a sampled, recorded call. It keeps what the function
 * tells it as plain data and, when ended, hands itself to its call's spans as a SpanRecord, which
 * the node agent records through its SDK.
 */
export class PodSpan implements Span {
  readonly #context: SpanContext;
  readonly #spans: CallSpans;
  readonly #record: SpanRecord;
  #ended = false;

  constructor(spans: CallSpans, context: SpanContext, parentSpanId: string, name: string, kind: SpanKind | undefined, startTime: TimeInput | undefined) {
    this.#spans = spans;
    this.#context = context;
    const startMs = toEpochMs(startTime);
    this.#record = { name, kind: kind ?? SpanKind.INTERNAL, traceId: context.traceId, spanId: context.spanId, parentSpanId, startMs, endMs: startMs };
  }

  spanContext(): SpanContext {
    return this.#context;
  }

  setAttribute(key: string, value: AttributeValue): this {
    return this.setAttributes({ [key]: value });
  }

  setAttributes(attributes: Attributes): this {
    if (!this.#ended) this.#record.attributes = addAttributes(this.#record.attributes ?? {}, attributes);
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    const events = (this.#record.events ??= []);
    if (this.#ended || events.length >= MAX_EVENTS) return this;
    const isTime = typeof attributesOrTime === 'number' || Array.isArray(attributesOrTime) || attributesOrTime instanceof Date;
    const attributes = isTime ? undefined : (attributesOrTime as Attributes | undefined);
    events.push({ name: String(name), timeMs: toEpochMs(isTime ? (attributesOrTime as TimeInput) : time), ...attributesOrNone(attributes) });
    return this;
  }

  addLink(link: Link): this {
    const links = (this.#record.links ??= []);
    if (this.#ended || links.length >= MAX_LINKS) return this;
    links.push({ traceId: link.context.traceId, spanId: link.context.spanId, ...attributesOrNone(link.attributes) });
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  /** As the SDK: UNSET changes nothing, and OK is final. */
  setStatus(status: SpanStatus): this {
    if (this.#ended || status.code === SpanStatusCode.UNSET || this.#record.status?.code === SpanStatusCode.OK) return this;
    const code = status.code === SpanStatusCode.OK ? 1 : 2;
    this.#record.status = code === 2 && status.message !== undefined ? { code, message: String(status.message) } : { code };
    return this;
  }

  updateName(name: string): this {
    if (!this.#ended) this.#record.name = String(name);
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#record.endMs = Math.max(this.#record.startMs, toEpochMs(endTime));
    this.#spans.add(this.#record);
  }

  isRecording(): boolean {
    return !this.#ended;
  }

  /** As OpenTelemetry's exception semantic conventions: an `exception` event. */
  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') attributes['exception.message'] = exception;
    else if (exception) {
      const type = exception.name ?? exception.code;
      if (type !== undefined) attributes['exception.type'] = String(type);
      if (exception.message !== undefined) attributes['exception.message'] = exception.message;
      if (exception.stack !== undefined) attributes['exception.stacktrace'] = exception.stack;
    }
    this.addEvent('exception', attributes, time);
  }
}
