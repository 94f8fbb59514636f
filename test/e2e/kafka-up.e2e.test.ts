import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startMockKafka } from '@tide/log-kafka/testing';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, runCli, startTide, stopTide, type StartedTide } from '../support/tide-process.js';

/** `tide up` on Kafka: all of Tide in one process, and any number of them sharing one cluster. */
let kafka: Awaited<ReturnType<typeof startMockKafka>>;
let dir: Awaited<ReturnType<typeof makeTempDir>>;
const tides: StartedTide[] = [];

beforeAll(async () => {
  kafka = await startMockKafka({ brokers: 3 });
  dir = await makeTempDir('tide-kafka-up-');
}, 30_000);

afterAll(async () => {
  for (const tide of tides) await stopTide(tide);
  await kafka?.stop();
  await dir?.remove();
});

describe('tide up on Kafka', () => {
  it('runs the examples on Kafka, and a second tide up on the same cluster serves them too', async () => {
    const env = { TIDE_KAFKA_BROKERS: kafka.brokers.join(',') };
    const first = await startTide({ dataDir: `${dir.path}/a`, port: await freePort(), args: ['--examples'], env, timeoutMs: 60_000 });
    tides.push(first);
    expect(first.output()).toMatch(/listening at .* \(Kafka 127\.0\.0\.1:\d+/);
    const hello = await request(`${first.url}/fn/default/hello`);
    expect(hello.statusCode).toBe(200);
    expect(await hello.body.text()).toBe('Hello, world!\n');

    // The first made the cluster's tokens (in the log, and in its files); the second finds them in
    // the log, so it makes none: its operator copies the first's token files into its data directory.
    await mkdir(`${dir.path}/b`, { recursive: true });
    for (const file of ['admin.token', 'bootstrap.token']) await copyFile(`${dir.path}/a/${file}`, `${dir.path}/b/${file}`);
    const second = await startTide({ dataDir: `${dir.path}/b`, port: await freePort(), env, timeoutMs: 60_000 });
    tides.push(second);
    await eventually(
      async () => {
        const res = await request(`${second.url}/apis/tide.dev/v1/nodes`, { headers: second.headers });
        expect(((await res.body.json()) as { items: unknown[] }).items).toHaveLength(2);
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    // Routes and pods came from Kafka: the second never saw a deploy of its own.
    await eventually(
      async () => {
        const res = await request(`${second.url}/fn/default/echo`, { method: 'POST', body: 'through the other one' });
        expect(res.statusCode).toBe(200);
        expect(await res.body.text()).toBe('through the other one');
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    // Exactly one of them leads the controllers (each says so when it starts or stops leading; its
    // triggers process says the same of role `triggers` on lines of its own).
    const leads = (tide: StartedTide) =>
      /leading the cluster/.test(
        tide
          .output()
          .split('\n')
          .filter((l) => /leading the cluster|not leading \(/.test(l) && !/triggers:/.test(l))
          .at(-1) ?? '',
      );
    expect(tides.filter(leads)).toHaveLength(1);
  }, 120_000);

  it("serves a function's logs through either member: lines travel on tide.logs", async () => {
    const [first, second] = tides as [StartedTide, StartedTide];
    await mkdir(join(dir.path, 'chatty'), { recursive: true });
    await writeFile(
      join(dir.path, 'chatty', 'index.mjs'),
      `export default { fetch(request) { console.log('served ' + new URL(request.url).pathname); return new Response('ok'); } };\n`,
    );
    const deployed = await runCli(['deploy', join(dir.path, 'chatty'), '--min', '2'], { server: first.url });
    expect(deployed.code, deployed.stderr).toBe(0);
    await eventually(
      async () => {
        const res = await request(`${second.url}/fn/default/chatty/through-b`);
        expect(res.statusCode).toBe(200);
        await res.body.dump();
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    await eventually(
      async () => {
        const logs = await runCli(['logs', 'chatty'], { server: second.url });
        expect(logs.stdout).toMatch(/^\[chatty-00001-\w+\] served \/through-b$/m);
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
  }, 60_000);
});
