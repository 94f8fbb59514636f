import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startControlPlane, type RunningControlPlane } from '@tide/control-plane';
import { makeTempDir } from '@tide/testkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const cliEntry = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
let dir: Awaited<ReturnType<typeof makeTempDir>>;
let controlPlane: RunningControlPlane;

beforeAll(async () => {
  dir = await makeTempDir();
  controlPlane = await startControlPlane({
    log: { source: { kind: 'embedded', dataDir: dir.path } },
    dataDir: dir.path,
    listen: { port: 0, host: '127.0.0.1' },
    nodeGraceSeconds: 30,
    report: () => undefined,
  });
}, 30_000);
afterAll(async () => {
  await controlPlane?.stop();
  await dir?.remove();
});

/** Runs the CLI without blocking this process, which serves the control plane it talks to. */
function tide(args: string[], input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [cliEntry, ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', TIDE_SERVER: controlPlane.url!, TIDE_TOKEN: controlPlane.adminToken! },
    timeout: 20_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(input);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('tide publish (control plane on the embedded log)', () => {
  it('publishes a keyed record and prints its partition and offset', async () => {
    const first = await tide(['publish', 'orders', '--key', 'person-17', '--data', '{"id":1}', '-H', 'content-type=application/json']);
    expect(first.code, first.stderr).toBe(0);
    const partition = /^published to orders partition (\d) offset 0\n$/.exec(first.stdout)?.[1];
    expect(partition, first.stdout).toBeDefined();
    // The same key, the same partition: the next offset there.
    expect((await tide(['publish', 'orders', '-k', 'person-17', '-d', 'again'])).stdout).toBe(`published to orders partition ${partition} offset 1\n`);
  });

  it('takes the value from stdin, and --count copies with a line per partition', async () => {
    const piped = await tide(['publish', 'greetings', '--key', 'k'], 'hello\n');
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout).toMatch(/^published to greetings partition \d offset 0\n$/);
    const many = await tide(['publish', 'ticks', '--data', 'tick', '--count', '10']);
    expect(many.code, many.stderr).toBe(0);
    expect(many.stdout).toMatch(/^published 10 records to ticks\n( {2}partition \d offsets \d+\.\.\d+ \(\d+\)\n){1,4}$/);
    const described = (await (
      await fetch(`${controlPlane.url}/apis/tide.dev/v1/namespaces/default/topics/ticks`, { headers: { authorization: `Bearer ${controlPlane.adminToken}` } })
    ).json()) as {
      partitions: { endOffset: number }[];
    };
    expect(described.partitions.reduce((n, p) => n + p.endOffset, 0)).toBe(10);
  });

  it('says what is wrong: an unknown namespace (exit 1), a bad topic name, two values (exit 2)', async () => {
    const unknown = await tide(['publish', 'orders', '-n', 'nope', '--data', 'x']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/namespace nope not found/);
    const badTopic = await tide(['publish', 'tide.state', '--data', 'x']);
    expect(badTopic.code).toBe(1);
    expect(badTopic.stderr).toMatch(/topic "tide.state" is invalid/);
    const both = await tide(['publish', 'orders', '--data', 'x', '--file', 'y']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--data or --file, not both/);
  });
});
