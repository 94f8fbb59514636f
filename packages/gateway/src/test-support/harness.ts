import { afterEach } from 'vitest';
// Test-only helpers (excluded from the build): real node:http servers on 127.0.0.1:0.
import { type IncomingMessage, type RequestListener, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type Gateway, type GatewayOptions, createGateway } from '../gateway.js';
import type { FunctionRoute, PodEndpoint, RouteTable } from '../route-table.js';

export interface RunningServer {
  readonly url: string;
  readonly server: Server;
  /** Sockets currently open to this server. */
  readonly sockets: Set<Socket>;
  close(): Promise<void>;
}

export async function startServer(listener: RequestListener): Promise<RunningServer> {
  const server = createServer(listener);
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An upstream that answers with what it received: method, url, headers and body bytes (base64). */
export function echoUpstream(): Promise<RunningServer> {
  return startServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.stringify({
        method: req.method,
        url: req.url,
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks).toString('base64'),
      });
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'], 'x-upstream': 'echo' });
      res.end(body);
    });
  });
}

export interface EchoedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[]>;
  rawHeaders: string[];
  body: string;
}

/** A route table the test edits by hand; listeners fire on every change, like the real one. */
export class FakeRouteTable implements RouteTable {
  readonly #routes = new Map<string, FunctionRoute>();
  readonly #listeners = new Set<() => void>();

  lookup(namespace: string, name: string): FunctionRoute | undefined {
    return this.#routes.get(`${namespace}/${name}`);
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  set(namespace: string, name: string, endpoints: readonly PodEndpoint[], timeoutMs = 5_000, failure?: string): void {
    this.#routes.set(`${namespace}/${name}`, { namespace, name, endpoints, timeoutMs, ...(failure === undefined ? {} : { failure }) });
    for (const listener of this.#listeners) listener();
  }

  /** A route as given (limits, concurrency and all). */
  put(route: FunctionRoute): void {
    this.#routes.set(`${route.namespace}/${route.name}`, route);
    for (const listener of this.#listeners) listener();
  }

  delete(namespace: string, name: string): void {
    this.#routes.delete(`${namespace}/${name}`);
    for (const listener of this.#listeners) listener();
  }
}

export function endpoint(pod: string, server: RunningServer, concurrency = 100): PodEndpoint {
  return { pod, url: server.url, concurrency };
}

export interface RunningGateway extends RunningServer {
  readonly gateway: Gateway;
}

/** A node:http server whose only handlers are gateway.handle and gateway.handleUpgrade (anything else: 418). */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const gateway = createGateway(options);
  const running = await startServer((req: IncomingMessage, res: ServerResponse) => {
    if (!gateway.handle(req, res)) {
      res.writeHead(418);
      res.end('not a function path');
    }
  });
  running.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    if (!gateway.handleUpgrade(req, socket, head)) socket.end('HTTP/1.1 418 I am a teapot\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  });
  return {
    ...running,
    gateway,
    close: async () => {
      await running.close();
      await gateway.close();
    },
  };
}

/** Resolves when `condition` holds, polling every 5 ms for at most `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Closes every server a test started, after each test: `const gw = track(await startGateway(...))`. */
export function closeAfterEach(): <T extends { close(): Promise<void> }>(running: T) => T {
  let started: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(started.map((running) => running.close()));
    started = [];
  });
  return (running) => {
    started.push(running);
    return running;
  };
}
