import { join } from 'node:path';
import { startControlPlane, type RunningControlPlane } from '@tide/control-plane';
import { startGateway, type RunningGateway } from '@tide/gateway';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Issue 12's limits through real processes: a control plane, and a gateway that follows its log
 * over HTTP and reads each namespace's quota and each function's spec.limits from it.
 */
let dir: Awaited<ReturnType<typeof makeTempDir>>;
let controlPlane: RunningControlPlane;
let gateway: RunningGateway;
const client = new Agent({ keepAliveTimeout: 1_000 });
const API = '/apis/tide.dev/v1';

let admin: string;
const asAdmin = () => ({ authorization: `Bearer ${admin}` });

const put = (url: string, body: unknown) =>
  request(url, { dispatcher: client, method: 'PUT', body: JSON.stringify(body), headers: { ...asAdmin(), 'content-type': 'application/json' } });

beforeAll(async () => {
  dir = await makeTempDir('tide-limits-');
  const loopback = { port: 0, host: '127.0.0.1' };
  const report = () => undefined;
  const dataDir = join(dir.path, 'control-plane');
  controlPlane = await startControlPlane({ log: { source: { kind: 'embedded', dataDir } }, dataDir, listen: loopback, nodeGraceSeconds: 10, report });
  admin = controlPlane.adminToken!;
  // The gateway with a credential of its own, as a separate gateway process holds.
  const minted = await request(`${controlPlane.url!}${API}/tokens`, {
    method: 'POST',
    headers: { ...asAdmin(), 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'tide.dev/v1', kind: 'Token', metadata: { name: 'gateway-1' }, spec: { subject: { kind: 'gateway' } } }),
  });
  expect(minted.statusCode).toBe(201);
  const gatewayToken = ((await minted.body.json()) as { token: string }).token;
  gateway = await startGateway({ log: { source: { kind: 'http', server: controlPlane.url!, token: gatewayToken } }, listen: loopback, report });
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await controlPlane?.stop();
  await client.close();
  await dir?.remove();
});

describe("a namespace's invocation rate and a function's body limit, as a caller meets them", () => {
  it('413 names spec.limits.requestBodyBytes; past invocationsBurst the gateway answers 429 with Retry-After', { timeout: 60_000 }, async () => {
    const api = controlPlane.url!;
    const ns = await put(`${api}${API}/namespaces/team`, {
      apiVersion: 'tide.dev/v1',
      kind: 'Namespace',
      metadata: { name: 'team' },
      spec: { quota: { invocationsPerSecond: 0.01, invocationsBurst: 2 } },
    });
    expect(ns.statusCode, await ns.body.text()).toBe(201);
    const upload = await request(`${api}${API}/artifacts`, {
      dispatcher: client,
      method: 'POST',
      headers: asAdmin(),
      body: 'export default { fetch() { return new Response("hi") } }',
    });
    const { digest } = (await upload.body.json()) as { digest: string };
    const fn = await put(`${api}${API}/namespaces/team/functions/hello`, {
      apiVersion: 'tide.dev/v1',
      kind: 'Function',
      metadata: { name: 'hello' },
      spec: { source: { artifact: digest }, scale: { min: 0, max: 1 }, limits: { requestBodyBytes: 10 } },
    });
    expect(fn.statusCode, await fn.body.text()).toBe(201);

    const url = gateway.url!;
    // No node runs its pods: the body limit and the rate limit answer before any pod is needed.
    const tooBig = await eventually(
      async () => {
        const res = await request(`${url}/fn/team/hello/`, { dispatcher: client, method: 'POST', body: '01234567890' });
        expect(res.statusCode).toBe(413);
        return (await res.body.json()) as { error: string };
      },
      { timeoutMs: 20_000, intervalMs: 50 },
    );
    expect(tooBig.error).toBe('request body of 11 bytes or more exceeds the limit of 10 bytes for function team/hello (spec.limits.requestBodyBytes)');

    const outcomes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await request(`${url}/async/team/hello/`, { dispatcher: client, method: 'POST', body: 'x' });
      outcomes.push(res.statusCode);
      if (res.statusCode === 429) {
        expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(((await res.body.json()) as { error: string }).error).toMatch(/^namespace team is over its rate limit of 0.01 invocations per second/);
      } else await res.body.dump();
    }
    // The 413 above drew the first of the burst of 2 (it may have taken a few tries while the gateway caught up).
    expect(outcomes.at(-1)).toBe(429);
    expect(outcomes.filter((s) => s === 202).length).toBeLessThanOrEqual(1);
  });
});
