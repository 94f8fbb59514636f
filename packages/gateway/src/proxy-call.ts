import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { type Context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, propagation, trace } from '@opentelemetry/api';
import type { Dispatcher } from 'undici';
import { endToEndResponseHeaders, upstreamHeaders } from './core/forwarded-headers.js';
import type { InvocationTarget } from './core/parse-invocation-path.js';
import { describeUpstreamFailure } from './core/upstream-failure.js';
import type { EndpointState } from './endpoint-pools.js';
import { sendError } from './error-response.js';
import type { FunctionState } from './function-state.js';
import type { CallOwner, GatewayCall } from './gateway-call.js';
import * as telemetry from './telemetry.js';
import { type BodyLimits, checkBodySize } from '@tide/core';
import { BodyTooLargeError, countedBody } from './body-limit.js';

/** Grace beyond the function's own timeout, so the pod's timeout answer can still arrive. */
export const UPSTREAM_TIMEOUT_MARGIN_MS = 1_000;

export class ClientClosedError extends Error {
  constructor(readonly functionKey: string) {
    super(`client closed the request to ${functionKey}`);
    this.name = 'ClientClosedError';
  }
}

const kCall = Symbol('tide.gateway.call');
type TrackedResponse = ServerResponse & { [kCall]?: ProxyCall };

/**
 * One proxied request, from admission to the last byte. It is its own undici dispatch
 * handler and finds itself from the response's events through a symbol, so a request costs
 * one object here and no closures.
 */
export class ProxyCall implements GatewayCall, Dispatcher.DispatchHandler {
  endpoint: EndpointState | undefined;
  holdTimer: NodeJS.Timeout | undefined;
  redispatches = 0;
  readonly admittedAt = performance.now();
  /** The status the caller got (undefined: the connection was cut or the client left). */
  status: number | undefined;
  #controller: Dispatcher.DispatchController | undefined;
  #clientGone = false;
  #settled = false;
  #drainListening = false;
  /** Response bytes passed to the caller so far, against limits.responseBodyBytes. */
  #responseBytes = 0;
  readonly #parentContext: Context;
  readonly #span: Span;
  /** While it waits for a pod: the `hold` span (only when the call's span records). */
  #hold: Span | undefined;
  /** The hop to the pod: an HTTP CLIENT span (only when the call's span records). */
  #client: Span | undefined;
  wake: string | undefined;

  constructor(
    private readonly owner: CallOwner,
    readonly fn: FunctionState,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly target: InvocationTarget,
    /** The call carried the gateway's component token (its tide-invoke header is kept). */
    private readonly fromComponent = false,
    private readonly limits?: BodyLimits,
  ) {
    this.#parentContext = propagation.extract(ROOT_CONTEXT, req.headers);
    this.#span = telemetry.tracer.startSpan(
      telemetry.invocationSpanName(target),
      {
        kind: SpanKind.SERVER,
        attributes: {
          [telemetry.ATTR_FUNCTION]: target.name,
          [telemetry.ATTR_NAMESPACE]: target.namespace,
          [telemetry.ATTR_HTTP_METHOD]: req.method ?? 'GET',
        },
      },
      this.#parentContext,
    );
    (res as TrackedResponse)[kCall] = this;
    res.on('close', onResponseClose);
  }

  get settled(): boolean {
    return this.#settled;
  }

  holding(): void {
    const callContext = trace.setSpan(this.#parentContext, this.#span);
    if (this.#span.isRecording())
      this.#hold = telemetry.tracer.startSpan(
        'hold',
        { kind: SpanKind.INTERNAL, attributes: { [telemetry.ATTR_FUNCTION]: this.target.name, [telemetry.ATTR_NAMESPACE]: this.target.namespace } },
        callContext,
      );
    const carrier: Record<string, string> = {};
    propagation.inject(this.#hold === undefined ? callContext : trace.setSpan(callContext, this.#hold), carrier);
    this.wake = carrier.traceparent;
  }

  dispatch(endpoint: EndpointState): void {
    this.endpoint = endpoint;
    endpoint.inFlight += 1;
    this.#span.setAttribute(telemetry.ATTR_POD, endpoint.pod);
    this.#endHold(endpoint.pod);
    // A redispatch (the pod refused the connection): the first hop ended without reaching it.
    this.#endClient({ code: SpanStatusCode.ERROR, message: 'the pod refused the connection' });
    const callContext = trace.setSpan(this.#parentContext, this.#span);
    if (this.#span.isRecording())
      this.#client = telemetry.tracer.startSpan(clientSpanName(this.req), telemetry.clientSpanOptions(this.req, endpoint), callContext);
    const req = this.req;
    const headers = upstreamHeaders(req.rawHeaders, {
      remoteAddress: req.socket.remoteAddress,
      proto: (req.socket as TLSSocket).encrypted === true ? 'https' : 'http',
      prefix: this.target.prefix,
      fromComponent: this.fromComponent,
    });
    // A trace goes on to the pod when it is recorded or the caller started it. An unsampled trace of
    // the gateway's own would only make the pod keep a trace context through the call, and that
    // (AsyncLocalStorage on Node 20) cost the pod ~30 µs a call for a trace nobody records.
    if (this.#span.isRecording() || trace.getSpanContext(this.#parentContext) !== undefined)
      propagation.inject(this.#client === undefined ? callContext : trace.setSpan(callContext, this.#client), headers, telemetry.flatHeaderSetter);
    const timeoutMs = this.fn.route.timeoutMs + UPSTREAM_TIMEOUT_MARGIN_MS;
    endpoint.pool().dispatch(
      {
        path: this.target.upstreamPath,
        method: req.method ?? 'GET',
        headers,
        // Without content-length or transfer-encoding an HTTP/1.1 request has no body.
        body: req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined ? this.#body() : null,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      },
      this,
    );
  }

  #body(): Readable {
    return this.limits === undefined ? this.req : Readable.from(countedBody(this.req, this.limits.requestBodyBytes, this.fn.key), { objectMode: false });
  }

  /** Answers a request that never reached a pod (held too long, queue full, shutting down, gone). */
  reject(status: number, message: string, retryAfterSeconds?: number): void {
    if (this.#settled) return;
    if (!this.res.headersSent && !this.#clientGone) sendError(this.res, status, message, retryAfterSeconds);
    this.#settle(status, message);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#clientGone) controller.abort(new ClientClosedError(this.fn.key));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    if (statusCode < 200) return; // 1xx: node:http already answered the client's Expect itself.
    this.#span.setAttribute(telemetry.ATTR_HTTP_STATUS, statusCode);
    if (this.#client !== undefined) {
      this.#client.setAttribute(telemetry.ATTR_HTTP_STATUS, statusCode);
      this.#client.addEvent('first byte');
    }
    const declared = headers['content-length'];
    // A HEAD answer, a 204 or a 304 declares a length it does not send.
    const bodyless = this.req.method === 'HEAD' || statusCode === 204 || statusCode === 304;
    if (this.limits !== undefined && declared !== undefined && !bodyless) {
      const verdict = checkBodySize('response body', Number(declared), this.limits.responseBodyBytes, `function ${this.fn.key}`);
      if (verdict.kind === 'over') return this.#responseTooLarge(`${verdict.message} (spec.limits.responseBodyBytes)`);
    }
    const endToEnd = endToEndResponseHeaders(headers);
    if (statusMessage) this.res.writeHead(statusCode, statusMessage, endToEnd);
    else this.res.writeHead(statusCode, endToEnd);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled) return;
    if (this.limits !== undefined) {
      const before = this.#responseBytes;
      this.#responseBytes += chunk.length;
      const verdict = checkBodySize('response body', this.#responseBytes, this.limits.responseBodyBytes, `function ${this.fn.key}`);
      if (verdict.kind === 'over') {
        return this.#responseTooLarge(`${verdict.message} (spec.limits.responseBodyBytes)`, chunk.subarray(0, this.limits.responseBodyBytes - before));
      }
    }
    if (!this.res.write(chunk) && !controller.paused) {
      controller.pause();
      if (!this.#drainListening) {
        this.#drainListening = true;
        this.res.on('drain', onResponseDrain);
      }
    }
  }

  onResponseEnd(): void {
    if (this.#settled) return;
    this.res.end();
    this.#settle(this.res.statusCode);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.#settled) return;
    if (this.#clientGone) return this.#settle(undefined, 'client closed the request');
    if (error instanceof BodyTooLargeError) {
      if (this.res.headersSent) this.res.destroy(error);
      else sendError(this.res, 413, error.message, undefined, true);
      return this.#settle(this.res.headersSent ? 413 : undefined, error.message);
    }
    if (this.endpoint !== undefined && !this.res.headersSent && this.#neverReachedFunction(error)) {
      const controller = this.#controller;
      this.#controller = undefined;
      if (this.owner.refused(this, this.endpoint)) return;
      this.#controller = controller;
    }
    if (this.res.headersSent) {
      // The status line is gone; cutting the connection is the only way to say "incomplete".
      this.res.destroy(error);
      return this.#settle(undefined, `pod failed mid-response: ${error.message}`);
    }
    const failure = describeUpstreamFailure(error, this.endpoint?.pod ?? 'unknown', this.fn.key, this.fn.route.timeoutMs);
    sendError(this.res, failure.status, failure.message);
    this.#settle(failure.status, failure.message);
  }

  /**
   * The pod's response is over the function's limit: 502 if nothing of it reached the caller yet
   * (a declared Content-Length), else the connection is cut mid-body — the only way left to say
   * "incomplete" once the status line is gone. The pod's request is aborted either way.
   */
  #responseTooLarge(message: string, fits?: Buffer): void {
    const controller = this.#controller;
    if (this.res.headersSent) {
      // The status line and the bytes within the limit go out, then the connection ends without
      // the body's end: the caller's client reports an incomplete response.
      if (fits !== undefined && fits.length > 0) this.res.write(fits);
      const socket = this.res.socket;
      if (socket) socket.end();
      else this.res.destroy(new Error(message));
      this.#settle(undefined, message);
    } else {
      sendError(this.res, 502, message);
      this.#settle(502, message);
    }
    controller?.abort(new Error(message));
  }

  /**
   * Whether the request cannot have run: refused at connect, or — for a request without a body
   * whose method is safe to repeat — a pooled connection the pod closed as it went away.
   */
  #neverReachedFunction(error: Error): boolean {
    const code = (error as { code?: unknown }).code;
    if (code === 'ECONNREFUSED') return true;
    const method = this.req.method ?? 'GET';
    const bodyless = this.req.headers['content-length'] === undefined && this.req.headers['transfer-encoding'] === undefined;
    return (
      bodyless &&
      (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') &&
      (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED')
    );
  }

  clientClosed(): void {
    if (this.#settled) return;
    this.#clientGone = true;
    if (this.#controller !== undefined) {
      this.#controller.abort(new ClientClosedError(this.fn.key));
    } else if (this.endpoint === undefined) {
      this.owner.withdrawn(this);
      this.#settle(undefined, 'client closed the request');
    }
    // Else: dispatched but not yet on a socket; onRequestStart aborts it.
  }

  resumeUpstream(): void {
    this.#controller?.resume();
  }

  #settle(status: number | undefined, errorMessage?: string): void {
    if (this.#settled) return;
    this.#settled = true;
    this.status = status;
    if (this.holdTimer !== undefined) clearTimeout(this.holdTimer);
    const span = this.#span;
    if (status !== undefined) span.setAttribute(telemetry.ATTR_HTTP_STATUS, status);
    const failed = errorMessage !== undefined || (status !== undefined && status >= 500);
    const error = errorMessage === undefined ? { code: SpanStatusCode.ERROR } : { code: SpanStatusCode.ERROR, message: errorMessage };
    if (this.#hold !== undefined) this.#hold.setStatus(error); // answered while it still waited
    this.#endHold(undefined);
    this.#endClient(failed ? error : undefined);
    if (failed) span.setStatus(error);
    span.end();
    this.owner.settled(this);
  }

  #endHold(pod: string | undefined): void {
    if (this.#hold === undefined) return;
    if (pod !== undefined) this.#hold.setAttribute(telemetry.ATTR_POD, pod);
    this.#hold.end();
    this.#hold = undefined;
    this.wake = undefined;
  }

  #endClient(status: { code: SpanStatusCode; message?: string } | undefined): void {
    if (this.#client === undefined) return;
    if (status !== undefined) this.#client.setStatus(status);
    this.#client.end();
    this.#client = undefined;
  }
}

/** The HTTP client span's name (OpenTelemetry: the method alone when there is no route template). */
function clientSpanName(req: IncomingMessage): string {
  return req.method ?? 'GET';
}

function onResponseClose(this: TrackedResponse): void {
  const call = this[kCall];
  if (call !== undefined && !this.writableFinished) call.clientClosed();
}

function onResponseDrain(this: TrackedResponse): void {
  this[kCall]?.resumeUpstream();
}
