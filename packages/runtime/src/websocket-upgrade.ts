import type { IncomingMessage, Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from './ws-server.js';
import { TideWebSocket, WebSocketPair } from './websocket-pair.js';

/** The client ends that functions returned in a 101 Response, by Response. */
const webSockets = new WeakMap<object, TideWebSocket>();

/**
 * Lets a Workers app accept WebSockets: `WebSocketPair` becomes a global, `Response` takes
 * `{ status: 101, webSocket: client }` (Node's own refuses any status below 200), and the server's
 * upgrade requests go to the function like any call. When the function answers 101 with a
 * webSocket, the handshake is completed (by `ws`, loaded on the first upgrade only, so a pod that
 * never sees one pays nothing) and the connection is bound to the pair's server end; any other
 * answer goes back as a plain response on a closed connection.
 */
export function serveUpgrades(server: Server, call: (request: Request) => Promise<Response>): void {
  installGlobals();
  let wss: Promise<WebSocketServer> | undefined;
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    void call(toRequest(req))
      .then(
        async (response) => {
          const client = webSockets.get(response);
          const serverEnd = client?.peer;
          if (response.status !== 101 || serverEnd === undefined) return writePlainResponse(socket, response);
          wss ??= import('./ws-server.js').then(({ WebSocketServer }) => new WebSocketServer({ noServer: true }));
          (await wss).handleUpgrade(req, socket, head, (ws) => serverEnd.attach(ws));
        },
        () => writePlainResponse(socket, new Response('function failed', { status: 500 })),
      )
      // The upgrade itself failed (ws could not be loaded): the caller hears so rather than waiting.
      .catch((error: unknown) => {
        process.stderr.write(`WebSocket upgrade failed: ${error instanceof Error ? error.message : String(error)}\n`);
        void writePlainResponse(socket, new Response('WebSocket upgrade failed', { status: 500 }));
      });
  });
}

function toRequest(req: IncomingMessage): Request {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
  return new Request(new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`), { method: req.method ?? 'GET', headers });
}

async function writePlainResponse(socket: Duplex, response: Response): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer().catch(() => new ArrayBuffer(0)));
  const status = response.status === 101 ? 500 : response.status;
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n`;
  response.headers.forEach((value, name) => {
    if (name !== 'content-length' && name !== 'connection' && name !== 'transfer-encoding') head += `${name}: ${value}\r\n`;
  });
  socket.end(`${head}content-length: ${body.byteLength}\r\nconnection: close\r\n\r\n${body.toString('latin1')}`, 'latin1');
}

let installed = false;

/** Once per process: `WebSocketPair` as a global, and a `Response` that remembers its webSocket. */
function installGlobals(): void {
  if (installed) return;
  installed = true;
  const Base = globalThis.Response;
  class WorkersResponse extends Base {
    constructor(body?: ConstructorParameters<typeof Response>[0], init?: ResponseInit & { webSocket?: unknown }) {
      const webSocket = init?.webSocket instanceof TideWebSocket ? init.webSocket : undefined;
      // Node's Response throws on 101; the 101 is kept beside it and answered by the runtime itself.
      super(body, webSocket === undefined ? init : { ...init, status: 200 });
      if (webSocket !== undefined) webSockets.set(this, webSocket);
    }

    get webSocket(): TideWebSocket | null {
      return webSockets.get(this) ?? null;
    }
  }
  Object.defineProperty(WorkersResponse.prototype, 'status', {
    get(this: Response) {
      return webSockets.has(this) ? 101 : (Reflect.get(Base.prototype, 'status', this) as number);
    },
  });
  Object.defineProperty(globalThis, 'Response', { value: WorkersResponse, writable: true, configurable: true });
  Object.defineProperty(globalThis, 'WebSocketPair', { value: WebSocketPair, writable: true, configurable: true });
}
