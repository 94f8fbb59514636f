import { request } from 'node:http';
import type { ProbeOutcome } from '../core/probe-tally.js';

/** Kubernetes sends "kube-probe/<version>"; functions can tell probes from traffic by it. */
const PROBE_USER_AGENT = 'tide-probe/1';

/**
 * One HTTP GET of a function's own probe path (not the runtime's `tide-probe` check: this one reaches
 * the function). 2xx and 3xx pass (redirects are not followed); anything else fails with a short reason.
 */
export function probeHttp(endpoint: string, path: string, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(outcome);
    };
    // The path goes out as given, never resolved against the endpoint: "//other-host/x" stays on the pod.
    // agent: false = a fresh connection closed after the answer: a probe holds no pooled socket.
    const { hostname, port } = new URL(endpoint);
    const probe = request({ host: hostname, port, path, method: 'GET', headers: { 'user-agent': PROBE_USER_AGENT }, agent: false }, (response) => {
      response.resume();
      const status = response.statusCode ?? 0;
      settle(status >= 200 && status < 400 ? { ok: true } : { ok: false, why: `HTTP ${status}` });
    });
    // The whole exchange, connect to status line, must fit in the timeout (not only idle time).
    const deadline = setTimeout(() => {
      settle({ ok: false, why: `timeout after ${Number((timeoutMs / 1000).toFixed(3))}s` });
      probe.destroy();
    }, timeoutMs);
    probe.on('error', (error: NodeJS.ErrnoException) => settle({ ok: false, why: describeError(error) }));
    probe.end();
  });
}

function describeError(error: NodeJS.ErrnoException): string {
  if (error.code === 'ECONNREFUSED') return 'connection refused';
  if (error.code === 'ECONNRESET') return 'connection reset';
  return error.code ?? error.message;
}
