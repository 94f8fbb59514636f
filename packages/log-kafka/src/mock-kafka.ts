/**
 * A real Kafka-protocol broker for tests: librdkafka's mock cluster, as embedded in Debian's
 * `kcat`. kcat is started as a consumer of a dummy topic with `test.mock.num.brokers`, which
 * makes librdkafka serve a mock cluster on loopback ports and log where (a notice on stderr:
 * "Mock cluster enabled: ... replaced with 127.0.0.1:PORT,..."; with `-d mock` also
 * "bootstrap.servers=..."). It supports produce, fetch, consumer groups and offset commits and
 * auto-creates topics with 4 partitions; CreateTopics, DescribeGroups, idempotence and
 * transactions are not served.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export interface MockKafkaOptions {
  /** Brokers in the mock cluster (default 3). */
  brokers?: number;
  /** The kcat binary (default 'kcat' on PATH). */
  command?: string;
  /** How long to wait for the cluster's address (default 10 000 ms). */
  startTimeoutMs?: number;
}

export interface MockKafka {
  brokers: string[];
  /** The kcat process id. */
  pid: number;
  stop(): Promise<void>;
}

export class MockKafkaError extends Error {
  override readonly name = 'MockKafkaError';
  constructor(
    readonly command: string,
    message: string,
  ) {
    super(`mock Kafka (${command}): ${message}`);
  }
}

const INSTALL_HINT = "install Debian's kcat (apt-get install -y kcat): it embeds librdkafka's mock Kafka cluster";

/** True when `kcat` (or `command`) can be run. */
export function kcatAvailable(command = 'kcat'): boolean {
  const result = spawnSync(command, ['-V'], { stdio: 'ignore', timeout: 5_000 });
  return result.error === undefined;
}

export async function startMockKafka(options: MockKafkaOptions = {}): Promise<MockKafka> {
  const command = options.command ?? 'kcat';
  const count = options.brokers ?? 3;
  const child = spawn(command, ['-C', '-b', 'unused:9092', '-t', 'tide.boot', '-X', `test.mock.num.brokers=${count}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const brokers = await bootstrapServers(child, command, options.startTimeoutMs ?? 10_000).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  // kcat keeps logging (end-of-partition notices); keep draining so it never blocks on stderr.
  child.stderr?.resume();
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    brokers,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function bootstrapServers(child: ChildProcess, command: string, timeoutMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => finish(new MockKafkaError(command, `printed no broker address within ${timeoutMs} ms; stderr: ${seen.slice(-500)}`)),
      timeoutMs,
    );
    const finish = (result: string[] | Error) => {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.off('error', onError);
      child.off('exit', onExit);
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      // Only a whole line: a chunk may end in the middle of the address list.
      const match = /(?:replaced with|bootstrap\.servers=) ?(\S+)\s*\n/.exec(seen);
      if (match) finish(match[1]!.split(',').filter((b) => b.length > 0));
    };
    const onError = (error: NodeJS.ErrnoException) =>
      finish(new MockKafkaError(command, error.code === 'ENOENT' ? `not found; ${INSTALL_HINT}` : error.message));
    const onExit = (code: number | null, signal: string | null) =>
      finish(new MockKafkaError(command, `exited (${code ?? signal}) before serving; stderr: ${seen.slice(-500)}; ${INSTALL_HINT}`));
    child.stderr?.on('data', onData);
    child.once('error', onError);
    child.once('exit', onExit);
  });
}
