import { afterAll, describe, expect, it } from 'vitest';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import { makeTempDir } from '@tide/testkit/testing';
import { freePort, runCli, startTide, stopTide, type StartedTide } from '../support/tide-process.js';

let dir: Awaited<ReturnType<typeof makeTempDir>> | undefined;
let tide: StartedTide | undefined;
afterAll(async () => {
  await stopTide(tide);
  await dir?.remove();
});

const namespace = (name: string) => ({ apiVersion: 'tide.dev/v1', kind: 'Namespace', metadata: { name } });

describe('a log damaged in the middle', () => {
  it('stops start-up with the file and offset, and starts again after an explicit repair', async () => {
    dir = await makeTempDir('tide-damage-');
    const port = await freePort();
    tide = await startTide({ dataDir: dir.path, port });
    for (let i = 0; i < 20; i++) {
      const res = await request(`${tide.url}/apis/tide.dev/v1/namespaces/ns-${i}`, {
        method: 'PUT',
        body: JSON.stringify(namespace(`ns-${i}`)),
        headers: { ...tide.headers, 'content-type': 'application/json' },
      });
      expect(res.statusCode).toBe(201);
      await res.body.dump();
    }
    await stopTide(tide);
    tide = undefined;

    const topicDir = join(dir.path, 'log', 'topics', 'tide.state');
    const segment = join(topicDir, (await readdir(topicDir)).find((f) => f.endsWith('.seg'))!);
    const bytes = await readFile(segment);
    const at = Math.floor(bytes.length * 0.3);
    bytes[at] = bytes[at]! ^ 0xff;
    await writeFile(segment, bytes);

    const refused = await startTide({ dataDir: dir.path, port }).then(
      () => undefined,
      (error: Error) => error.message,
    );
    expect(refused).toMatch(/event log is damaged in the middle/);
    expect(refused).toContain(segment);
    expect(refused).toMatch(/at byte \d+ \(record \d+/);
    expect(refused).toMatch(/tide log repair --data/);

    const repaired = await runCli(['log', 'repair', '--data', dir.path], { server: 'http://127.0.0.1:1' });
    expect(repaired.code).toBe(0);
    const cut = Number(/records from (\d+) on removed/.exec(repaired.stdout)?.[1]);
    expect(cut).toBeGreaterThan(0);

    tide = await startTide({ dataDir: dir.path, port });
    const list = (await (await request(`${tide.url}/apis/tide.dev/v1/namespaces`, { headers: tide.headers })).body.json()) as {
      metadata: { resourceVersion: string };
      items: { metadata: { name: string } }[];
    };
    expect(Number(list.metadata.resourceVersion)).toBeLessThan(cut + 2);
    expect(list.items.map((n) => n.metadata.name)).toContain('default');
  });
});
