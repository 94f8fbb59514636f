import { type ClientRequest, type IncomingMessage, request } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { upstreamHeaders } from './core/forwarded-headers.js';
import type { InvocationTarget } from './core/parse-invocation-path.js';
import type { EndpointState } from './endpoint-pools.js';
import { sendSocketError } from './error-response.js';
import type { FunctionState } from './function-state.js';
import type { CallOwner, GatewayCall } from './gateway-call.js';
import { UPSTREAM_TIMEOUT_MARGIN_MS } from './proxy-call.js';

/** Response headers that describe the gateway→pod connection, not the answer (the connection is closed after it). */
const CLOSED_ANSWER_DROPPED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'upgrade', 'trailer', 'tide-error']);

/**
 * An upgrade request (a WebSocket), from admission until either side closes: held like a call
 * while no pod can take it, then sent to the pod on a connection of its own (a tunnel cannot share
 * a pooled one), and once the pod answers 101, the two sockets are piped both ways. It counts
 * against its pod's concurrency for as long as it is open.
 */
export class TunnelCall implements GatewayCall {
  endpoint: EndpointState | undefined;
  holdTimer: NodeJS.Timeout | undefined;
  redispatches = 0;
  readonly admittedAt = performance.now();
  /** A WebSocket upgrade is not traced. */
  holding(): void {}
  status: number | undefined;
  #upstream: ClientRequest | undefined;
  #podSocket: Socket | undefined;
  #settled = false;

  constructor(
    private readonly owner: CallOwner,
    readonly fn: FunctionState,
    private readonly req: IncomingMessage,
    private readonly socket: Duplex,
    private readonly head: Buffer,
    private readonly target: InvocationTarget,
  ) {
    // A client that resets its connection is a close, not a crash of the gateway.
    socket.on('error', () => socket.destroy());
    socket.once('close', () => this.#clientClosed());
  }

  dispatch(endpoint: EndpointState): void {
    this.endpoint = endpoint;
    endpoint.inFlight += 1;
    const req = this.req;
    const url = new URL(endpoint.url);
    const headers = upstreamHeaders(req.rawHeaders, {
      remoteAddress: req.socket.remoteAddress,
      proto: (req.socket as TLSSocket).encrypted === true ? 'https' : 'http',
      prefix: this.target.prefix,
    });
    // upstreamHeaders drops the hop-by-hop headers; an upgrade is the one hop that must carry them on.
    headers.push('host', url.host, 'connection', 'Upgrade', 'upgrade', String(req.headers.upgrade));
    const upstream = request({ host: url.hostname, port: url.port, method: req.method ?? 'GET', path: this.target.upstreamPath, headers, agent: false });
    this.#upstream = upstream;
    upstream.setTimeout(this.fn.route.timeoutMs + UPSTREAM_TIMEOUT_MARGIN_MS, () => upstream.destroy(new TunnelTimeoutError(this.fn.route.timeoutMs)));
    upstream.on('upgrade', (res, podSocket, podHead) => this.#tunnel(res, podSocket, podHead));
    upstream.on('response', (res) => this.#answerWithoutUpgrade(res));
    upstream.on('error', (error) => this.#upstreamFailed(endpoint, error));
    upstream.end();
  }

  reject(status: number, message: string, retryAfterSeconds?: number): void {
    if (this.#settled) return;
    sendSocketError(this.socket, status, message, retryAfterSeconds);
    this.#settle(status);
  }

  /** Cuts the tunnel (the gateway is stopping). */
  close(): void {
    this.socket.destroy();
    this.#podSocket?.destroy();
  }

  /** The pod switched protocols: its 101 goes to the client as it is, then bytes flow both ways until either side closes. */
  #tunnel(res: IncomingMessage, podSocket: Socket, podHead: Buffer): void {
    this.#podSocket = podSocket;
    podSocket.setTimeout(0);
    if (this.#settled || this.socket.destroyed) return void podSocket.destroy();
    this.status = 101;
    this.socket.write(statusHead(res, res.rawHeaders));
    if (podHead.length > 0) this.socket.write(podHead);
    if (this.head.length > 0) podSocket.write(this.head);
    podSocket.on('error', () => podSocket.destroy());
    podSocket.once('close', () => {
      this.socket.destroy();
      this.#settle(101);
    });
    podSocket.pipe(this.socket);
    this.socket.pipe(podSocket);
  }

  /** The pod answered without switching (a 400, a 426, a 404 of its own): the client gets that answer, then the connection closes. */
  #answerWithoutUpgrade(res: IncomingMessage): void {
    const status = res.statusCode ?? 502;
    const kept: string[] = [];
    for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
      if (!CLOSED_ANSWER_DROPPED.has((res.rawHeaders[i] as string).toLowerCase())) kept.push(res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string);
    }
    kept.push('connection', 'close');
    this.socket.write(statusHead(res, kept));
    res.pipe(this.socket);
    res.once('end', () => this.#settle(status));
    res.once('error', () => this.#settle(undefined));
  }

  #upstreamFailed(endpoint: EndpointState, error: Error & { code?: unknown }): void {
    if (this.#settled) return;
    if (this.#podSocket === undefined && error.code === 'ECONNREFUSED' && this.owner.refused(this, endpoint)) return;
    if (this.status !== undefined) {
      this.socket.destroy();
      return this.#settle(undefined);
    }
    if (error instanceof TunnelTimeoutError)
      return this.reject(504, `function ${this.fn.key} did not answer the upgrade within ${error.timeoutMs} ms (pod ${endpoint.pod})`);
    this.reject(502, `pod ${endpoint.pod} failed: ${error.message}`);
  }

  #clientClosed(): void {
    if (this.#settled) return;
    this.#podSocket?.destroy();
    if (this.endpoint === undefined) {
      this.owner.withdrawn(this);
      return this.#settle(undefined);
    }
    if (this.#podSocket === undefined) {
      this.#upstream?.destroy();
      this.#settle(undefined);
    }
    // Else the pod socket's close settles it.
  }

  #settle(status: number | undefined): void {
    if (this.#settled) return;
    this.#settled = true;
    if (this.status === undefined) this.status = status;
    if (this.holdTimer !== undefined) clearTimeout(this.holdTimer);
    this.owner.settled(this);
  }
}

class TunnelTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer to the upgrade within ${timeoutMs} ms`);
    this.name = 'TunnelTimeoutError';
  }
}

function statusHead(res: IncomingMessage, rawHeaders: readonly string[]): string {
  let head = `HTTP/1.1 ${res.statusCode} ${res.statusMessage ?? ''}\r\n`;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) head += `${rawHeaders[i]}: ${rawHeaders[i + 1]}\r\n`;
  return `${head}\r\n`;
}
