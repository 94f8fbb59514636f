/**
 * A mock Kafka cluster that can be stopped and started again at the same addresses, as a real
 * cluster restarts: librdkafka's mock picks new ports every time it starts, so clients reach it
 * through one TCP proxy per broker on ports that stay. Kafka clients connect to the addresses a
 * broker advertises (Metadata and FindCoordinator responses), so the proxy rewrites the mock's
 * ports in those two responses to its own; every other byte passes untouched.
 *
 * While stopped, the proxies do not listen: a client's connection is refused, as by a stopped
 * broker. The restarted mock keeps nothing: its topics start empty (the one fault the mock
 * cannot survive, which is what tests of it want).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { startMockKafka, type MockKafka, type MockKafkaOptions } from './mock-kafka.js';

export interface RestartableMockKafka {
  /** The stable `127.0.0.1:PORT` addresses, one per broker. */
  readonly brokers: string[];
  readonly running: boolean;
  /** Stops the mock cluster: connections are cut and new ones refused. */
  stop(): Promise<void>;
  /** Starts a fresh (empty) mock cluster behind the same addresses. */
  start(): Promise<void>;
  /** Stops the proxies and the mock for good. */
  close(): Promise<void>;
}

const METADATA = 3;
const FIND_COORDINATOR = 10;

export async function startRestartableMockKafka(options: MockKafkaOptions = {}): Promise<RestartableMockKafka> {
  const count = options.brokers ?? 3;
  let mock: MockKafka | undefined;
  const connections = new Set<Socket>();
  const servers: Server[] = [];
  const ports: number[] = [];
  for (let i = 0; i < count; i++) {
    const server = createServer((client) => proxy(client, i));
    servers.push(server);
    ports.push(await listenOn(server, 0));
  }
  /** Upstream mock port -> our stable port, for the current incarnation of the mock. */
  let portMap = new Map<number, number>();

  function proxy(client: Socket, index: number): void {
    const target = mock?.brokers[index];
    if (target === undefined) {
      client.destroy();
      return;
    }
    const [host, port] = splitAddress(target);
    const upstream = connect({ host, port });
    connections.add(client);
    connections.add(upstream);
    const apiKeys = new Map<number, number>(); // correlation id -> api key of requests in flight
    const requests = frames((frame) => {
      if (frame.length >= 8) apiKeys.set(frame.readInt32BE(4), frame.readInt16BE(0));
      upstream.write(withSize(frame));
    });
    const responses = frames((frame) => {
      const correlationId = frame.readInt32BE(0);
      const apiKey = apiKeys.get(correlationId);
      apiKeys.delete(correlationId);
      if (apiKey === METADATA || apiKey === FIND_COORDINATOR) rewritePorts(frame, portMap);
      client.write(withSize(frame));
    });
    client.on('data', requests);
    upstream.on('data', responses);
    const end = () => {
      client.destroy();
      upstream.destroy();
      connections.delete(client);
      connections.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  }

  const start = async () => {
    if (mock) return;
    mock = await startMockKafka(options);
    portMap = new Map(mock.brokers.map((b, i) => [splitAddress(b)[1], ports[i]!]));
    await Promise.all(servers.map((server, i) => (server.listening ? undefined : listenOn(server, ports[i]!))));
  };
  const stop = async () => {
    // close() stops accepting at once but calls back only when the open connections are gone.
    const closed = Promise.all(servers.map((server) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()))));
    for (const socket of connections) socket.destroy();
    connections.clear();
    await closed;
    const stopping = mock;
    mock = undefined;
    await stopping?.stop();
  };

  await start();
  return {
    brokers: ports.map((port) => `127.0.0.1:${port}`),
    get running() {
      return mock !== undefined;
    },
    start,
    stop,
    close: stop,
  };
}

/** Splits a byte stream into Kafka frames (int32 size, then that many bytes), handing each on without its size. */
function frames(onFrame: (frame: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const size = pending.readInt32BE(0);
      if (pending.length < 4 + size) break;
      onFrame(pending.subarray(4, 4 + size));
      pending = pending.subarray(4 + size);
    }
  };
}

function withSize(frame: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(frame.length);
  return Buffer.concat([size, frame]);
}

const HOST = Buffer.from('127.0.0.1');

/**
 * A broker's address is its host string followed by its port as an int32, whatever the version
 * of the response: replace each mock port that follows "127.0.0.1" with ours (same width, so the
 * frame keeps its size).
 */
function rewritePorts(frame: Buffer, portMap: ReadonlyMap<number, number>): void {
  for (let at = frame.indexOf(HOST); at !== -1; at = frame.indexOf(HOST, at + HOST.length)) {
    const portAt = at + HOST.length;
    if (portAt + 4 > frame.length) break;
    const ours = portMap.get(frame.readInt32BE(portAt));
    if (ours !== undefined) frame.writeInt32BE(ours, portAt);
  }
}

function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(':');
  return [address.slice(0, colon), Number(address.slice(colon + 1))];
}

function listenOn(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}
