import { freePort } from '../support/tide-process.js';
import { ensureNginx, NginxStartError, startNginx, type NginxAvailability } from './nginx.js';
import { startMinimalProxy } from './minimal-proxy.js';
import { PROXY_BENCH, runProxyBench, type Way, type WayFigures } from './proxy-bench.js';
import type { StopList } from './stop-list.js';
import type { TempDirs } from './temp-dirs.js';

export interface ProxyOverheadResult {
  nginx: NginxAvailability;
  /** direct, nginx (when available), the minimal Node proxy, gateway: in that order. */
  ways: WayFigures[];
  /** Gateway CPU per request divided by nginx's (undefined without nginx or /proc). */
  gatewayCpuPerNginxCpu: { concurrency1?: number; concurrency32?: number };
  /** Gateway CPU per request divided by the minimal Node proxy's (undefined without /proc). */
  gatewayCpuPerMinimalCpu: { concurrency1?: number; concurrency32?: number };
}

/**
 * The warm hello pod called directly (the zero-overhead limit), through nginx as a reverse proxy,
 * through the minimal Node proxy (node:http + an undici Pool: the floor of a Node data path) and
 * through Tide's gateway, side by side in one run on the same machine.
 */
export async function runProxyOverhead(options: {
  tideUrl: string;
  tidePid: number | undefined;
  podEndpoint: string;
  temp: TempDirs;
  stops: StopList;
  log: (line: string) => void;
  /** More ways measured in the same run, after the gateway (the HAProxy ingress). */
  extraWays?: readonly Way[];
}): Promise<ProxyOverheadResult> {
  let nginx = await ensureNginx(options.log);
  const ways: Way[] = [{ name: 'direct', origin: options.podEndpoint, path: '/', cpuPids: options.tidePid === undefined ? undefined : [options.tidePid] }];
  let stopNginx: (() => Promise<void>) | undefined;
  if (nginx.found) {
    try {
      const running = await startNginx({
        binary: nginx.binary,
        dir: await options.temp.make('tide-bench-nginx-'),
        port: await freePort(),
        upstreamPort: Number(new URL(options.podEndpoint).port),
        probePath: '/',
      });
      stopNginx = options.stops.add('nginx', running.stop);
      ways.push({ name: 'nginx', origin: running.url, path: '/', cpuPids: running.pids });
    } catch (error) {
      // A broken nginx costs its column, not the whole run.
      if (!(error instanceof NginxStartError)) throw error;
      nginx = { found: false, reason: error.message };
    }
  }
  const minimal = await startMinimalProxy({ port: await freePort(), upstream: options.podEndpoint, connections: PROXY_BENCH.concurrency });
  const stopMinimal = options.stops.add('minimal proxy', minimal.stop);
  ways.push({ name: 'minimal', origin: minimal.url, path: '/', cpuPids: [minimal.pid] });
  ways.push({ name: 'gateway', origin: options.tideUrl, path: '/fn/default/hello', cpuPids: options.tidePid === undefined ? undefined : [options.tidePid] });
  ways.push(...(options.extraWays ?? []));
  try {
    const figures = await runProxyBench(ways);
    const byName = (name: string) => figures.find((f) => f.name === name)?.cpuUsPerRequest;
    const ratio = (gateway: number | undefined, nginxUs: number | undefined) =>
      gateway === undefined || nginxUs === undefined || nginxUs === 0 ? undefined : gateway / nginxUs;
    const gw = byName('gateway');
    const ng = byName('nginx');
    const mp = byName('minimal');
    return {
      nginx,
      ways: figures,
      gatewayCpuPerNginxCpu: { concurrency1: ratio(gw?.concurrency1, ng?.concurrency1), concurrency32: ratio(gw?.concurrency32, ng?.concurrency32) },
      gatewayCpuPerMinimalCpu: { concurrency1: ratio(gw?.concurrency1, mp?.concurrency1), concurrency32: ratio(gw?.concurrency32, mp?.concurrency32) },
    };
  } finally {
    await stopMinimal();
    await stopNginx?.();
  }
}
