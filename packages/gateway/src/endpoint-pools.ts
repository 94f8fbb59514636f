import { Pool } from 'undici';
import type { EndpointLoad } from './core/pick-endpoint.js';
import type { PodEndpoint } from './route-table.js';

/** One pod as the gateway tracks it: its load, and a keep-alive pool opened on first use. */
export class EndpointState implements EndpointLoad {
  inFlight = 0;
  /** Until when (performance.now()) this pod is taken to be gone: it refused a connection. */
  refusedUntil = 0;
  pod: string;
  concurrency: number;
  /** The pod's host and port, for the hop's CLIENT span (parsed once, not per traced call). */
  readonly server: { address: string; port: number } | undefined;
  #pool: Pool | undefined;

  constructor(
    readonly url: string,
    endpoint: PodEndpoint,
    private readonly connections: number | undefined,
  ) {
    this.pod = endpoint.pod;
    this.concurrency = endpoint.concurrency;
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    this.server = parsed === undefined ? undefined : { address: parsed.hostname, port: Number(parsed.port || 80) };
  }

  pool(): Pool {
    // One connection per allowed in-flight request: the gateway never queues more than
    // `concurrency` on a pod, so undici never has to queue behind a busy socket.
    this.#pool ??= new Pool(this.url, { connections: this.connections ?? Math.max(1, this.concurrency) });
    return this.#pool;
  }

  /** Graceful: requests already sent to the pod finish first. */
  close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    return pool === undefined ? Promise.resolve() : pool.close();
  }
}

/** Endpoint states by URL, so two lookups of the same pod share one pool and one load count. */
export class EndpointPools {
  readonly #byUrl = new Map<string, EndpointState>();

  constructor(private readonly connectionsPerPod: number | undefined) {}

  stateFor(endpoint: PodEndpoint): EndpointState {
    let state = this.#byUrl.get(endpoint.url);
    if (state === undefined) {
      state = new EndpointState(endpoint.url, endpoint, this.connectionsPerPod);
      this.#byUrl.set(endpoint.url, state);
    } else {
      state.pod = endpoint.pod;
      state.concurrency = endpoint.concurrency;
    }
    return state;
  }

  /** Forgets, and closes the pools of, every endpoint whose URL is not in `liveUrls`. */
  async retainOnly(liveUrls: ReadonlySet<string>): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const [url, state] of this.#byUrl) {
      if (liveUrls.has(url)) continue;
      this.#byUrl.delete(url);
      closing.push(state.close());
    }
    await Promise.all(closing);
  }

  closeAll(): Promise<void> {
    return this.retainOnly(new Set());
  }
}
