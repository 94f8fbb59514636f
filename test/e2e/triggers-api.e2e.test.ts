import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { makeTempDir } from '@tide/testkit/testing';
import { freePort, runCli, startTide, stopTide, type TideProcess } from '../support/tide-process.js';

/** Triggers through the CLI against a real `tide up`: apply, get, describe, delete; and the ones `tide deploy` makes from wrangler.toml. */
let dir: Awaited<ReturnType<typeof makeTempDir>>;
let tide: TideProcess;

const tideCli = (args: string[], input?: string) => runCli(args, { server: tide.url, ...(input === undefined ? {} : { input }) });

const SHOP = `apiVersion: tide.dev/v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: tide.dev/v1
kind: Trigger
metadata:
  name: nightly
  namespace: shop
spec:
  function: report
  cron:
    schedule: "0 3 * * *"
    timeZone: Europe/Paris
---
apiVersion: tide.dev/v1
kind: Trigger
metadata:
  name: orders
  namespace: shop
  labels: { team: shop }
spec:
  function: reserve
  kafka:
    topics: [orders]
    batchSize: 5
    deadLetterTopic: orders-dlq
`;

const WORKER = `export default {
  async fetch() { return new Response('ok'); },
  async scheduled() {},
  async queue(batch) { batch.ackAll(); },
};
`;
const wranglerToml = (consumers: boolean) => `name = "reserve"
main = "index.mjs"

[triggers]
crons = ["*/5 * * * *"]
${consumers ? '\n[[queues.consumers]]\nqueue = "reservations"\nmax_batch_size = 20\nmax_retries = 4\ndead_letter_queue = "reservations-dlq"\n' : ''}`;

beforeAll(async () => {
  dir = await makeTempDir('tide-triggers-');
  tide = await startTide({ dataDir: join(dir.path, 'data'), port: await freePort() });
}, 60_000);

afterAll(async () => {
  await stopTide(tide);
  await dir?.remove();
});

describe('triggers through the CLI', () => {
  it('applies a file mixing a Namespace and two Triggers, and lists them', async () => {
    const applied = await tideCli(['apply', '-f', '-'], SHOP);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout.trim().split('\n')).toEqual(['namespace/shop created', 'trigger/nightly created', 'trigger/orders created']);
    const listed = await tideCli(['get', 'triggers', '-n', 'shop']);
    expect(listed.code, listed.stderr).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+TYPE\s+FUNCTION\s+SOURCE\s+LAST-FIRED\s+AGE$/);
    expect(lines.slice(1).sort()).toEqual([
      expect.stringMatching(/^nightly\s+cron\s+report\s+0 3 \* \* \* \(Europe\/Paris\)\s+<never>\s+\d+s$/),
      expect.stringMatching(/^orders\s+kafka\s+reserve\s+orders\s+-\s+\d+s$/),
    ]);
    const byLabel = await tideCli(['get', 'triggers', '-n', 'shop', '-l', 'team=shop', '-o', 'name']);
    expect(byLabel.stdout.trim()).toBe('trigger/orders');
  });

  it('prints one trigger as YAML or JSON, and the YAML applies back unchanged', async () => {
    const yaml = await tideCli(['get', 'trigger', 'orders', '-n', 'shop', '-o', 'yaml']);
    expect(yaml.code, yaml.stderr).toBe(0);
    const object = parse(yaml.stdout) as { kind: string; spec: { kafka: Record<string, unknown> }; metadata: { generation: number } };
    expect(object.kind).toBe('Trigger');
    expect(object.spec.kafka).toMatchObject({ topics: ['orders'], batchSize: 5, deadLetterTopic: 'orders-dlq', maxRetries: 3 });
    const json = JSON.parse((await tideCli(['get', 'trigger/orders', '-n', 'shop', '-o', 'json'])).stdout) as typeof object;
    expect(json).toEqual(object);
    const back = await tideCli(['apply', '-f', '-'], yaml.stdout);
    expect(back.code, back.stderr).toBe(0);
    expect(JSON.parse((await tideCli(['get', 'trigger', 'orders', '-n', 'shop', '-o', 'json'])).stdout).metadata.generation).toBe(1);
  });

  it('describes a trigger whose function is not deployed', async () => {
    const described = await tideCli(['describe', 'trigger', 'nightly', '-n', 'shop']);
    expect(described.code, described.stderr).toBe(0);
    expect(described.stdout).toMatch(/^Type:\s+cron$/m);
    expect(described.stdout).toMatch(/^Function:\s+report \(missing: no function "report" in namespace shop/m);
    expect(described.stdout).toMatch(/^ {2}Fired:\s+0$/m);
    const kafka = await tideCli(['describe', 'trigger/orders', '-n', 'shop']);
    expect(kafka.stdout).toMatch(/^Consumer group:\s+tide-trigger\.shop\.orders$/m);
    const pod = await tideCli(['describe', 'pod', 'x']);
    expect(pod.code).toBe(2);
    expect(pod.stderr).toMatch(/only functions and triggers can be described, not "pod"/);
  });

  it('refuses a bad schedule naming its field, and applies nothing', async () => {
    const bad = SHOP.split('---')[1]!.replace('name: nightly', 'name: broken').replace('0 3 * * *', '61 * * * *');
    const refused = await tideCli(['apply', '-f', '-'], bad);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Trigger broken\) was rejected \(422\): .*spec\.cron\.schedule: schedule "61 \* \* \* \*" is not a cron schedule/);
    const zone = await tideCli(['apply', '-f', '-'], SHOP.split('---')[1]!.replace('name: nightly', 'name: broken').replace('Europe/Paris', 'Mars/Olympus'));
    expect(zone.stderr).toMatch(/spec\.cron\.timeZone/);
    const missing = await tideCli(['get', 'trigger', 'broken', '-n', 'shop']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/trigger "broken" not found in namespace shop/);
  });

  it('deletes a trigger', async () => {
    const deleted = await tideCli(['delete', 'trigger', 'nightly', '-n', 'shop']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout.trim()).toBe('trigger "nightly" deleted');
    expect((await tideCli(['get', 'trigger', 'nightly', '-n', 'shop'])).stderr).toMatch(/trigger "nightly" not found/);
    const again = await tideCli(['delete', 'trigger', 'nightly', '-n', 'shop']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/trigger "nightly" not found in namespace shop/);
  });
});

describe('tide deploy of a Workers project with crons and queue consumers', () => {
  it('makes a trigger of each, and deletes the ones the config no longer names on the next deploy', async () => {
    const project = join(dir.path, 'reserve');
    await mkdir(project, { recursive: true });
    await writeFile(join(project, 'index.mjs'), WORKER);
    await writeFile(join(project, 'wrangler.toml'), wranglerToml(true));
    const first = await tideCli(['deploy', project, '--no-wait']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/trigger\/reserve-cron-1 created \(cron \*\/5 \* \* \* \*\)/);
    const listed = await tideCli(['get', 'triggers', '-o', 'json']);
    const items = (JSON.parse(listed.stdout) as { items: { metadata: { name: string; labels: Record<string, string> }; spec: Record<string, unknown> }[] })
      .items;
    expect(items.map((t) => t.metadata.name).sort()).toEqual(['reserve-cron-1', 'reserve-queue-reservations']);
    expect(items.find((t) => t.metadata.name === 'reserve-queue-reservations')).toMatchObject({
      metadata: { labels: { 'tide.dev/managed-by': 'wrangler', 'tide.dev/function': 'reserve' } },
      spec: {
        function: 'reserve',
        delivery: 'handler',
        kafka: { topics: ['reservations'], batchSize: 20, maxRetries: 4, deadLetterTopic: 'reservations-dlq' },
      },
    });
    // A trigger applied by hand for the same function is not the config's to delete.
    const byHand = SHOP.split('---')[2]!.replace('name: orders', 'name: by-hand').replace('namespace: shop', 'namespace: default');
    expect((await tideCli(['apply', '-f', '-'], byHand)).code).toBe(0);

    await writeFile(join(project, 'wrangler.toml'), wranglerToml(false));
    const second = await tideCli(['deploy', project, '--no-wait']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/trigger\/reserve-queue-reservations deleted \(wrangler\.toml no longer names it\)/);
    expect(second.stderr).not.toMatch(/reserve-cron-1/);
    const after = await tideCli(['get', 'triggers', '-o', 'name']);
    expect(after.stdout.trim().split('\n').sort()).toEqual(['trigger/by-hand', 'trigger/reserve-cron-1']);
  });

  it('refuses a bad cron in wrangler.toml before uploading anything', async () => {
    const project = join(dir.path, 'broken');
    await mkdir(project, { recursive: true });
    await writeFile(join(project, 'index.mjs'), WORKER);
    await writeFile(join(project, 'wrangler.toml'), 'name = "broken"\nmain = "index.mjs"\n[triggers]\ncrons = ["0 3 * * * * *"]\n');
    const refused = await tideCli(['deploy', project, '--no-wait']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/wrangler\.toml: triggers\.crons\[0\] "0 3 \* \* \* \* \*": spec\.cron\.schedule: .*has 7 fields/);
    expect((await tideCli(['get', 'function', 'broken'])).code).toBe(1);
  });
});
