import type { WebSocket as WsSocket } from 'ws';

/** Workers' readyState values (the browser's WebSocket constants). */
const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/** What a `close` listener receives, as in Workers: the peer's code and reason. */
export class WebSocketCloseEvent extends Event {
  constructor(
    readonly code: number,
    readonly reason: string,
    readonly wasClean: boolean,
  ) {
    super('close');
  }
}

type Sendable = string | ArrayBuffer | ArrayBufferView;

/**
 * One end of a WebSocketPair, as a Workers app sees it: `accept()`, `send()`, `close()` and
 * `message` / `close` / `error` events (addEventListener or on…). The server end talks to the real
 * connection once the runtime has attached it (after the 101 went out); what it sends before
 * that waits, in order.
 */
export class TideWebSocket extends EventTarget {
  readyState = CONNECTING;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: WebSocketCloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  #accepted = false;
  #socket: WsSocket | undefined;
  #pending: Array<() => void> = [];
  /** Events that arrived before accept(): Workers delivers nothing until then. */
  #early: Event[] = [];
  /** The other end: the client end is what the function returns in its 101 Response. */
  peer: TideWebSocket | undefined;

  /** Starts delivering events to this end's listeners. */
  accept(): void {
    if (this.#accepted) return;
    this.#accepted = true;
    for (const event of this.#early.splice(0)) this.#deliver(event);
  }

  send(data: Sendable): void {
    if (this.readyState === CLOSING || this.readyState === CLOSED) throw new TypeError('WebSocket send() after close()');
    this.#whenOpen((socket) => socket.send(typeof data === 'string' ? data : toBuffer(data)));
  }

  close(code?: number, reason?: string): void {
    if (this.readyState === CLOSED || this.readyState === CLOSING) return;
    this.readyState = CLOSING;
    this.#whenOpen((socket) => socket.close(code, reason));
  }

  /** The runtime binds the real connection to the server end once the upgrade is done. */
  attach(socket: WsSocket): void {
    this.#socket = socket;
    if (this.readyState === CONNECTING) this.readyState = OPEN;
    socket.on('message', (data, isBinary) => {
      const payload = isBinary ? toArrayBuffer(data) : data.toString();
      this.#dispatch(new MessageEvent('message', { data: payload }));
    });
    socket.on('close', (code, reason) => {
      this.readyState = CLOSED;
      this.#dispatch(new WebSocketCloseEvent(code, reason.toString(), code !== 1006));
    });
    socket.on('error', () => this.#dispatch(new Event('error')));
    for (const send of this.#pending.splice(0)) send();
  }

  #whenOpen(action: (socket: WsSocket) => void): void {
    const socket = this.#socket;
    if (socket === undefined) this.#pending.push(() => action(this.#socket as WsSocket));
    else action(socket);
  }

  #dispatch(event: Event): void {
    if (this.#accepted) this.#deliver(event);
    else this.#early.push(event);
  }

  #deliver(event: Event): void {
    const handler = event.type === 'message' ? this.onmessage : event.type === 'close' ? this.onclose : event.type === 'error' ? this.onerror : null;
    handler?.call(this, event as MessageEvent & WebSocketCloseEvent);
    this.dispatchEvent(event);
  }
}

/**
 * Workers' `new WebSocketPair()`: `{ 0: client, 1: server }`. The function keeps the server end
 * (`server.accept()`, then talks through it) and returns the client end in
 * `new Response(null, { status: 101, webSocket: client })`.
 */
export class WebSocketPair {
  readonly 0: TideWebSocket;
  readonly 1: TideWebSocket;

  constructor() {
    const client = new TideWebSocket();
    const server = new TideWebSocket();
    client.peer = server;
    server.peer = client;
    this[0] = client;
    this[1] = server;
  }
}

function toBuffer(data: ArrayBuffer | ArrayBufferView): Buffer {
  return data instanceof ArrayBuffer ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function toArrayBuffer(data: Buffer | ArrayBuffer | Buffer[]): ArrayBuffer {
  const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer;
}
