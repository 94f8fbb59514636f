import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { request } from 'undici';
import { startControlPlane, type RunningControlPlane } from '@tide/control-plane';
import { startGateway, type RunningGateway } from '@tide/gateway';
import { nodeCredential, startNode, type RunningNode } from '@tide/node-agent';
import { eventually, makeTempDir } from '@tide/testkit/testing';

/**
 * A control plane, a gateway and a node started from their packages, as a program embedding Tide
 * would (no CLI process): each on its own, the gateway and the node following the control plane's
 * log API, as `tide control-plane`, `tide gateway` and `tide node` do on one machine, each with its
 * own credential: the gateway a token an admin made for it, the node one it got by joining.
 */
let dir: Awaited<ReturnType<typeof makeTempDir>>;
let controlPlane: RunningControlPlane;
let gateway: RunningGateway;
let node: RunningNode;
let admin: string;
const lines: string[] = [];
const asAdmin = () => ({ authorization: `Bearer ${admin}` });
const report = (line: string) => lines.push(line);

const FUNCTION_MODULE = `export default {
  fetch(request, env) {
    return new Response(env.GREETING + ' from ' + new URL(request.url).pathname);
  },
};
`;

beforeAll(async () => {
  dir = await makeTempDir('tide-components-');
  const loopback = { port: 0, host: '127.0.0.1' };
  const controlPlaneDir = join(dir.path, 'control-plane');
  controlPlane = await startControlPlane({
    log: { source: { kind: 'embedded', dataDir: controlPlaneDir } },
    dataDir: controlPlaneDir,
    listen: loopback,
    nodeGraceSeconds: 10,
    report,
  });
  const api = controlPlane.url!;
  admin = controlPlane.adminToken!;
  const minted = await request(`${api}/apis/tide.dev/v1/tokens`, {
    method: 'POST',
    headers: { ...asAdmin(), 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'tide.dev/v1', kind: 'Token', metadata: { name: 'gateway-1' }, spec: { subject: { kind: 'gateway' } } }),
  });
  const gatewayToken = ((await minted.body.json()) as { token: string }).token;
  gateway = await startGateway({ log: { source: { kind: 'http', server: api, token: gatewayToken } }, listen: loopback, report });
  const nodeDir = join(dir.path, 'node-a');
  const token = await nodeCredential({ dataDir: nodeDir, node: 'node-a', servers: api, bootstrapToken: controlPlane.bootstrapToken!, report });
  node = await startNode({
    log: { source: { kind: 'http', server: api, token } },
    name: 'node-a',
    dataDir: nodeDir,
    token,
    artifacts: { servers: api },
    capacity: { memoryMb: 1024, cpuMilli: 2000, pods: 10 },
    warmPoolSize: 0,
    report,
  });
}, 60_000);

afterAll(async () => {
  await node?.stop();
  await gateway?.stop();
  await controlPlane?.stop();
  await dir?.remove();
});

describe('components started from their packages', () => {
  it('says where each one is and what it follows', () => {
    expect(lines.join('\n')).toMatch(/control plane is up at http:\/\/127\.0\.0\.1:\d+ \(the embedded log in .*control-plane\)/);
    expect(lines.join('\n')).toMatch(/gateway is up at http:\/\/127\.0\.0\.1:\d+, following http:\/\/127\.0\.0\.1:\d+/);
    expect(lines.join('\n')).toMatch(/node node-a is up/);
  });

  it('deploys through the control plane and calls the function through the gateway, on the node', async () => {
    const api = controlPlane.url!;
    const upload = await request(`${api}/apis/tide.dev/v1/artifacts`, { method: 'POST', body: FUNCTION_MODULE, headers: asAdmin() });
    expect(upload.statusCode).toBe(201);
    const { digest } = (await upload.body.json()) as { digest: string };
    const manifest = {
      apiVersion: 'tide.dev/v1',
      kind: 'Function',
      metadata: { name: 'greeter' },
      spec: { source: { artifact: digest }, env: { GREETING: 'Hello' } },
    };
    const applied = await request(`${api}/apis/tide.dev/v1/namespaces/default/functions/greeter`, {
      method: 'PUT',
      body: JSON.stringify(manifest),
      headers: { ...asAdmin(), 'content-type': 'application/json' },
    });
    expect(applied.statusCode, await applied.body.text()).toBe(201);

    // The gateway follows the control plane's log: it knows the function once it has read the apply
    // (until then it answers 404); from then on it holds the call until the node's pod is ready (from zero).
    await eventually(
      async () => {
        const call = await request(`${gateway.url}/fn/default/greeter/hi`);
        expect([call.statusCode, await call.body.text()]).toEqual([200, 'Hello from /hi']);
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );

    await eventually(
      async () => {
        const pods = (await (await request(`${api}/apis/tide.dev/v1/namespaces/default/pods`, { headers: asAdmin() })).body.json()) as {
          items: { spec: { node?: string }; status: { phase: string } }[];
        };
        expect(pods.items.filter((p) => p.status.phase === 'Ready').map((p) => p.spec.node)).toEqual(['node-a']);
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );
  });
});
