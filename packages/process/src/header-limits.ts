import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Bounds on what a caller may send before a handler runs. Node's defaults, made explicit and
 * answered with a message a person can act on (Node's own 431 has no body, and past
 * maxHeadersCount it drops headers silently).
 */
export const HEADER_LIMITS = {
  /** All header bytes of a request: Node's maxHeaderSize (16 KiB). */
  maxHeaderBytes: 16 * 1024,
  /** Header fields of a request; more is 431. */
  maxHeaderCount: 100,
  /** A request's headers must all arrive within this; longer than the 65 s keep-alive, so an idle connection is never cut as slow. */
  headersTimeoutMs: 66_000,
  /** The whole request (headers and body) must arrive within this. */
  requestTimeoutMs: 300_000,
} as const;

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Server options that enforce HEADER_LIMITS (pass to createServer). */
export const headerLimitOptions = {
  maxHeaderSize: HEADER_LIMITS.maxHeaderBytes,
  headersTimeout: HEADER_LIMITS.headersTimeoutMs,
  requestTimeout: HEADER_LIMITS.requestTimeoutMs,
};

/**
 * Applies the count limit (Node keeps one header past it, so too many are seen, not dropped) and
 * answers the parser's refusals — oversized headers, slow requests, malformed ones — in JSON.
 */
export function enforceHeaderLimits(server: Server, handler: RequestHandler): RequestHandler {
  server.maxHeadersCount = HEADER_LIMITS.maxHeaderCount + 1;
  server.on('clientError', answerClientError);
  return (req, res) => {
    const count = req.rawHeaders.length / 2;
    if (count > HEADER_LIMITS.maxHeaderCount) {
      const body = JSON.stringify({ error: `request has more than ${HEADER_LIMITS.maxHeaderCount} header fields (the limit)` });
      res.writeHead(431, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' });
      res.end(body);
      return;
    }
    handler(req, res);
  };
}

function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable) return void socket.destroy();
  const [status, text, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', `request headers exceed ${HEADER_LIMITS.maxHeaderBytes} bytes (the limit)`]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', `request not received within ${HEADER_LIMITS.requestTimeoutMs} ms (headers within ${HEADER_LIMITS.headersTimeoutMs} ms)`]
        : [400, 'Bad Request', `malformed request: ${error.code ?? error.message}`];
  const body = JSON.stringify({ error: message });
  socket.end(`HTTP/1.1 ${status} ${text}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}
