/** A control plane that does not answer in this long has failed the pod's start (retried on the next pass). */
const FETCH_TIMEOUT_MS = 10_000;

/** The answer for one pod: its secrets' variables, or why not (said in the pod's status, never its values). */
export type SecretEnvResult = { ok: true; env: Record<string, string> } | { ok: false; reason: string };

export type SecretEnvSource = (namespace: string, pod: string) => Promise<SecretEnvResult>;

/**
 * Asks a control plane for the opened values of the secrets a pod bound to this node names
 * (`GET .../namespaces/{ns}/pods/{name}/secret-env`, with the node's own credential): the node
 * never holds the key that seals them, and gets only its own pods' values (NodeRestriction).
 */
export function secretEnvApi(servers: string, token: string | undefined): SecretEnvSource {
  const bases = servers
    .split(',')
    .map((s) => s.trim().replace(/\/+$/, ''))
    .filter(Boolean);
  return async (namespace, pod) => {
    const failures: string[] = [];
    for (const base of bases) {
      const url = `${base}/apis/tide.dev/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/secret-env`;
      try {
        const response = await fetch(url, {
          headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
        });
        const body = (await response.json().catch(() => ({}))) as { env?: Record<string, string>; message?: string };
        if (response.ok && body.env) return { ok: true, env: body.env };
        // A refusal (a missing secret, one no key opens) is the same from every control plane.
        if (response.status < 500) return { ok: false, reason: String(body.message ?? `${url} answered ${response.status}`).slice(0, 500) };
        failures.push(`${url} answered ${response.status}`);
      } catch (error) {
        failures.push(`${url}: ${(error as Error).message}`);
      }
    }
    return { ok: false, reason: `no control plane answered for its secrets: ${failures.join('; ').slice(0, 500)}` };
  };
}
