import { type IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * Serves an upgrade request that no function takes as the plain request it also is. Once a server
 * listens for 'upgrade', node hands it every request with an Upgrade header — `curl --http2` sends
 * `Upgrade: h2c` on every call — and those must still reach the API as before: the request is
 * answered over HTTP/1.1 (no switch) on its connection, which then closes.
 */
export function serveUpgradeAsRequest(req: IncomingMessage, socket: Duplex, handler: (req: IncomingMessage, res: ServerResponse) => void): void {
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Socket);
  res.once('finish', () => {
    res.detachSocket(socket as Socket);
    socket.end();
  });
  socket.once('error', () => socket.destroy());
  handler(req, res);
}
