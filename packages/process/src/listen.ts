import { createServer, type Server } from 'node:http';
import { StartupError } from './startup-error.js';
import { enforceHeaderLimits, headerLimitOptions, type RequestHandler } from './header-limits.js';

export type { RequestHandler };

/** Listens on host:port, with header limits (header-limits.ts) and a clear error when the port is taken. */
export function listen(handler: RequestHandler, port: number, host: string): Promise<Server> {
  const server = createServer(headerLimitOptions);
  server.on('request', enforceHeaderLimits(server, handler));
  // Longer than the usual load balancer's idle timeout (60 s), so they close first and never race us.
  server.keepAliveTimeout = 65_000;
  return new Promise((resolvePromise, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new StartupError(`port ${port} on ${host} is already in use: stop what uses it or pass --port`) : error),
    );
    server.listen(port, host, () => resolvePromise(server));
  });
}

/** The URL a listening server is reached at (0.0.0.0 is reached at 127.0.0.1 from this machine). */
export function urlOf(server: Server, host: string): string {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
}
