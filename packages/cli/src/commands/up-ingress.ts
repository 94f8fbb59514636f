import { join } from 'node:path';
import type { Server } from 'node:http';
import { findHaproxy, startHaproxyIngress } from '@tide/ingress-haproxy';
import type { ProcessState } from '@tide/process';

/** What serves callers: Tide's built-in gateway (default, needs nothing else), or haproxy in front of it (docs/ingress.md). */
export type IngressKind = 'gateway' | 'haproxy';
export const INGRESS_KINDS: readonly IngressKind[] = ['gateway', 'haproxy'];

/** Fails at once, naming what is missing, when the ingress asked for cannot run here. */
export function checkIngress(kind: IngressKind | undefined): void {
  if (kind === 'haproxy') findHaproxy();
}

/**
 * Where Tide's own server listens: the port asked for, or — behind haproxy — an ephemeral port on
 * the loopback address, which haproxy (on the port asked for) forwards to.
 */
export function ownListen(kind: IngressKind | undefined, port: number, host: string): { port: number; host: string } {
  return kind === 'haproxy' ? { port: 0, host: '127.0.0.1' } : { port, host };
}

/** Starts haproxy on host:port in front of Tide's server (its activator); undefined for the built-in gateway. */
export async function startIngress(options: {
  kind: IngressKind | undefined;
  server: Server;
  port: number;
  host: string;
  dataDir: string;
  domain: string;
  state: ProcessState;
  report: (line: string) => void;
}): Promise<{ url: string; stop(): Promise<void> } | undefined> {
  if (options.kind !== 'haproxy') return undefined;
  return startHaproxyIngress({
    log: { shared: options.state },
    listen: { host: options.host, port: options.port },
    // haproxy reaches Tide's server through a socket of its own that names each caller (PROXY protocol).
    activator: { server: options.server },
    dir: join(options.dataDir, 'haproxy'),
    domain: options.domain,
    report: options.report,
  });
}
