import type { ServerResponse } from 'node:http';

/** Every error the gateway itself produces: `{ "error": "..." }` as application/json. */
export function sendError(res: ServerResponse, status: number, message: string, retryAfterSeconds?: number): void {
  const body = JSON.stringify({ error: message });
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  };
  if (retryAfterSeconds !== undefined) headers['retry-after'] = retryAfterSeconds;
  res.writeHead(status, headers);
  res.end(body);
}
