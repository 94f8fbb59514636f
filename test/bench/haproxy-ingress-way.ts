import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findHaproxy, startHaproxyIngress } from '@tide/ingress-haproxy';
import type { Way } from './proxy-bench.js';
import type { StopList } from './stop-list.js';
import type { TempDirs } from './temp-dirs.js';
import { freePort } from '../support/tide-process.js';

/** The bench's HAProxy ingress: a way to the warm hello pod, or why there is none. */
export type HaproxyIngressWay = { found: true; way: Way; version: string } | { found: false; reason: string };

/**
 * An HAProxy ingress started beside the bench's Tide (as `tide up --ingress haproxy` starts one),
 * following its log through the log API with a gateway's token, with that Tide as its activator:
 * the `haproxy-ingress` way reaches the same warm hello pod as the others. Its CPU is haproxy's
 * processes' (master and worker); Tide's is not in the path while the pod has room.
 */
export async function startHaproxyIngressWay(options: { tideUrl: string; dataDir: string; temp: TempDirs; stops: StopList }): Promise<HaproxyIngressWay> {
  let binary: string;
  try {
    binary = findHaproxy();
  } catch (error) {
    return { found: false, reason: (error as Error).message };
  }
  const tide = new URL(options.tideUrl);
  const ingress = await startHaproxyIngress({
    log: { source: { kind: 'http', server: options.tideUrl, token: await gatewayToken(options.tideUrl, options.dataDir) } },
    listen: { host: '127.0.0.1', port: await freePort() },
    activator: { host: tide.hostname, port: Number(tide.port) },
    dir: await options.temp.make('tide-bench-haproxy-'),
    binary,
    // Its errors and reloads (a revision deployed elsewhere in the run) say why a figure may be off.
    report: (line) => console.log(`haproxy ingress: ${line}`),
  });
  options.stops.add('haproxy ingress', () => ingress.stop());
  await ingress.synced();
  const backend = [...ingress.model().backends.values()].find((b) => b.function === 'hello');
  if (backend === undefined || backend.servers.length === 0) throw new Error('the HAProxy ingress has no ready pod of hello to route to');
  return {
    found: true,
    way: {
      name: 'haproxy-ingress',
      origin: ingress.url,
      path: '/fn/default/hello',
      // Read when measured: a reload (hello outgrowing its server slots) replaces the worker.
      get cpuPids() {
        return [ingress.pid, ...childrenOf(ingress.pid)];
      },
    },
    version: `haproxy ${/version (\S+)/.exec(execFileSync(binary, ['-v'], { encoding: 'utf8' }))?.[1] ?? ''}`.trim(),
  };
}

/** A gateway's token for the ingress (it reads the log and reports load, as a gateway does). */
async function gatewayToken(server: string, dataDir: string): Promise<string> {
  const admin = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
  const res = await fetch(`${server}/apis/tide.dev/v1/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      apiVersion: 'tide.dev/v1',
      kind: 'Token',
      metadata: { name: `bench-haproxy-${process.pid}` },
      spec: { subject: { kind: 'gateway' } },
    }),
  });
  if (res.status !== 201) throw new Error(`minting the HAProxy ingress's gateway token at ${server}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** The haproxy master's worker(s). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
