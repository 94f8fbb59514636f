import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordsApiPublisher } from './adapters/records-api.js';
import type { NodeAgent, WarmPoolSettings } from './node-agent.js';
import type { ColdStart } from './pod-types.js';
import { createQueueSender } from './queue-sender.js';
import { makeTempDir, openTestAgent, podSpec, writeArtifact } from './testing/agent-harness.js';

// The function sends through env.RESERVATIONS and answers what the send did.
const PRODUCER_APP = `export default { async fetch(request, env) {
  const step = new URL(request.url).pathname.slice(1);
  try {
    if (step === 'send') await env.RESERVATIONS.send({ person: 'ada', slot: 9 }, { key: 'ada' });
    if (step === 'batch') await env.RESERVATIONS.sendBatch([{ body: 'one', contentType: 'text' }, { body: { n: 2 }, key: 'bob' }]);
    if (step === 'delayed') await env.RESERVATIONS.send(1, { delaySeconds: 10 });
    return new Response('sent', { status: 202 });
  } catch (error) {
    return new Response(String(error), { status: 500 });
  }
} };`;

interface Received {
  url: string;
  body: { records: { key?: string; value: string; headers: Record<string, string> }[] };
}

/** A control plane's records API as far as the agent sees it: records it, answers 200 (or what it is told). */
async function recordsApi(status = 200) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      received.push({ url: req.url ?? '', body: JSON.parse(text) });
      res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? '{"offsets":[]}' : 'topic store unavailable');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let agents: NodeAgent[] = [];
let servers: Server[] = [];
beforeEach(async () => {
  temp = await makeTempDir();
});
afterEach(async () => {
  await Promise.all(agents.map((agent) => agent.close()));
  for (const server of servers) server.close();
  agents = [];
  servers = [];
  await temp.remove();
});

describe.each<{ coldStart: ColdStart; warmPool: WarmPoolSettings }>([
  { coldStart: 'pool', warmPool: { size: 1, memoryMb: 64 } },
  { coldStart: 'spawn', warmPool: { size: 0 } },
])('queue producer bindings between a pod and its agent, $coldStart path', ({ warmPool }) => {
  async function podWithQueue(apiStatus = 200) {
    const api = await recordsApi(apiStatus);
    const harness = await openTestAgent({ dataDir: join(temp.path, 'data'), warmPool, queues: createQueueSender(recordsApiPublisher(api.url)) });
    agents.push(harness.agent);
    const artifact = await writeArtifact(temp.path, 'producer', PRODUCER_APP);
    harness.agent.sync([podSpec('gate-1', artifact, { namespace: 'shop', bindings: [{ name: 'RESERVATIONS', queue: 'reservations' }] })]);
    const { endpoint } = await harness.waitForReport((r) => r.phase === 'Ready', 'Ready');
    return { endpoint: endpoint!, received: api.received };
  }

  it("publishes a send to the namespace's topic through the records API, keyed, with content type and the caller's traceparent", async () => {
    const { endpoint, received } = await podWithQueue();
    const traceparent = `00-${'c'.repeat(32)}-${'d'.repeat(16)}-01`;
    const response = await fetch(`${endpoint}/send`, { headers: { traceparent } });
    expect([response.status, await response.text()]).toEqual([202, 'sent']);
    expect(received).toEqual([
      {
        url: '/apis/tide.dev/v1/namespaces/shop/topics/reservations/records',
        body: { records: [{ key: 'ada', value: '{"person":"ada","slot":9}', headers: { 'content-type': 'application/json', traceparent } }] },
      },
    ]);
  });

  it('publishes a batch in one request, in order', async () => {
    const { endpoint, received } = await podWithQueue();
    expect((await fetch(`${endpoint}/batch`)).status).toBe(202);
    expect(received.map((r) => r.body.records.map((x) => [x.key, x.value]))).toEqual([
      [
        [undefined, 'one'],
        ['bob', '{"n":2}'],
      ],
    ]);
  });

  it('fails the send in the function when the records API refuses, saying what answered', async () => {
    const { endpoint } = await podWithQueue(503);
    const response = await fetch(`${endpoint}/send`);
    expect(response.status).toBe(500);
    expect(await response.text()).toMatch(/RESERVATIONS: publishing to topic reservations failed: .* answered 503: topic store unavailable/);
  });

  it('refuses a delayed message in the function, publishing nothing', async () => {
    const { endpoint, received } = await podWithQueue();
    const response = await fetch(`${endpoint}/delayed`);
    expect(await response.text()).toMatch(/delaySeconds \(10\) is not supported/);
    expect(received).toEqual([]);
  });
});
