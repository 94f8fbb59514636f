import type { ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Marks the answers the gateway gives itself (no such function, no pod, timeouts), so a client —
 * `tide invoke` — tells them from a function's own 404 or 503. The gateway strips this header from
 * every pod's response, so a function cannot send it, by accident or on purpose.
 */
export const GATEWAY_ERROR_HEADER = 'tide-error';
export const GATEWAY_ERROR_VALUE = 'gateway';

/**
 * Every error the gateway itself produces: `{ "error": "..." }` as application/json, marked with
 * `tide-error: gateway`; `extraHeaders` carries what a status needs besides (a 401's WWW-Authenticate).
 */
export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  retryAfterSeconds?: number,
  closeConnection = false,
  extraHeaders: Readonly<Record<string, string>> = {},
): void {
  const body = JSON.stringify({ error: message });
  const headers: Record<string, string | number> = {
    ...extraHeaders,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    [GATEWAY_ERROR_HEADER]: GATEWAY_ERROR_VALUE,
  };
  if (retryAfterSeconds !== undefined) headers['retry-after'] = retryAfterSeconds;
  if (closeConnection) headers.connection = 'close';
  res.writeHead(status, headers);
  res.end(body);
}

/** The same answer on a raw socket: an upgrade request has no ServerResponse. Closes the connection. */
export function sendSocketError(
  socket: Duplex,
  status: number,
  message: string,
  retryAfterSeconds?: number,
  extraHeaders: Readonly<Record<string, string>> = {},
): void {
  if (!socket.writable) return void socket.destroy();
  const body = JSON.stringify({ error: message });
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    ...Object.entries(extraHeaders).map(([name, value]) => `${name}: ${value}`),
    'content-type: application/json',
    `content-length: ${Buffer.byteLength(body)}`,
    `${GATEWAY_ERROR_HEADER}: ${GATEWAY_ERROR_VALUE}`,
    'connection: close',
  ];
  if (retryAfterSeconds !== undefined) lines.push(`retry-after: ${retryAfterSeconds}`);
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}
