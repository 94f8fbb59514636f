import { PROXY_BENCH, type WayFigures } from './proxy-bench.js';
import type { HaproxyIngressWay } from './haproxy-ingress-way.js';
import { renderTable } from './table.js';

/** Issue 14's goals for the HAProxy ingress, against nginx in the same run. */
export const HAPROXY_GOALS = { minThroughputOfNginx: 0.7, maxCpuOfNginx: 2 };

export interface HaproxyIngressFigures {
  haproxy?: WayFigures;
  nginx?: WayFigures;
  /** The ingress's throughput at c=32 over nginx's, and its CPU per request at c=32 over nginx's. */
  throughputOfNginx?: number;
  cpuOfNginx?: number;
}

export function haproxyIngressFigures(ways: readonly WayFigures[]): HaproxyIngressFigures {
  const haproxy = ways.find((w) => w.name === 'haproxy-ingress');
  const nginx = ways.find((w) => w.name === 'nginx');
  const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? undefined : a / b);
  return {
    ...(haproxy ? { haproxy } : {}),
    ...(nginx ? { nginx } : {}),
    ...optional('throughputOfNginx', ratio(haproxy?.throughput.requestsPerSecond, nginx?.throughput.requestsPerSecond)),
    ...optional('cpuOfNginx', ratio(haproxy?.cpuUsPerRequest.concurrency32, nginx?.cpuUsPerRequest.concurrency32)),
  };
}

/** Section 4's HAProxy ingress row against nginx's, with the goals and whether each is met. */
export function haproxyIngressReport(available: HaproxyIngressWay, ways: readonly WayFigures[]): string {
  if (!available.found) return `   HAProxy ingress: not measured: ${available.reason}`;
  const f = haproxyIngressFigures(ways);
  const row = (label: string, w: WayFigures | undefined) =>
    w === undefined
      ? [label, 'n/a', 'n/a', 'n/a', 'n/a', 'n/a']
      : [
          label,
          w.throughput.requestsPerSecond,
          w.cpuUsPerRequest.concurrency32 ?? 'n/a',
          w.cpuUsPerRequest.concurrency1 ?? 'n/a',
          w.addedMs.p50,
          w.addedMs.p99,
        ];
  const table = renderTable(
    `   HAProxy ingress (${available.version}, programmed from the log; the gateway only as activator) against nginx, same pod, same run`,
    ['way', `requests/s c=${PROXY_BENCH.concurrency}`, `CPU µs/req c=${PROXY_BENCH.concurrency}`, 'CPU µs/req c=1', 'added p50 ms', 'added p99 ms'],
    [row('through the HAProxy ingress', f.haproxy), row('through nginx', f.nginx)],
  );
  const pct = (x: number | undefined) => (x === undefined ? 'n/a' : `${Math.round(x * 100)} %`);
  const times = (x: number | undefined) => (x === undefined ? 'n/a' : `${x.toFixed(2)} ×`);
  const met = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? 'met' : 'NOT met');
  const goals = [
    `   throughput ${pct(f.throughputOfNginx)} of nginx's (goal ≥ ${pct(HAPROXY_GOALS.minThroughputOfNginx)}): ${met(f.throughputOfNginx === undefined ? undefined : f.throughputOfNginx >= HAPROXY_GOALS.minThroughputOfNginx)}`,
    `   CPU per request ${times(f.cpuOfNginx)} nginx's (goal ≤ ${HAPROXY_GOALS.maxCpuOfNginx} ×): ${met(f.cpuOfNginx === undefined ? undefined : f.cpuOfNginx <= HAPROXY_GOALS.maxCpuOfNginx)}`,
  ];
  return `${table}\n${goals.join('\n')}`;
}

function optional<K extends string>(key: K, value: number | undefined): { [P in K]?: number } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: number };
}
