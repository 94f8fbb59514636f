import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { StartupError } from '@tide/process';
import { runtimeCommand } from './runtime-api.js';

const run = promisify(execFile);

/** haproxy's narration of reloads and pods coming and going (the ingress does those on purpose). */
const NARRATION = /\[(NOTICE|WARNING)\]|^Proxy \S+ (started|stopped)|^Server \S+ is (UP|going DOWN for maintenance)|leaving forced maintenance/;

/** Where Debian puts it (/usr/sbin is not on every user's PATH). */
const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin'];

export const HAPROXY_MISSING =
  'haproxy is not installed: apt-get install haproxy (Debian 12 ships 2.6); without --ingress haproxy, Tide serves calls with its built-in gateway';

/** The haproxy binary: `binary` if given, else the first on PATH or in /usr/sbin; a StartupError naming it when there is none. */
export function findHaproxy(binary?: string): string {
  if (binary !== undefined) {
    if (!existsSync(binary)) throw new StartupError(`haproxy binary ${binary} does not exist`);
    return binary;
  }
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...EXTRA_DIRS];
  const found = dirs.map((dir) => join(dir, 'haproxy')).find((path) => path.startsWith('/') && existsSync(path));
  if (found === undefined) throw new StartupError(HAPROXY_MISSING);
  return found;
}

export interface HaproxyProcess {
  readonly pid: number;
  /** Validates the new configuration, then has the master start a new worker on it and waits until it answers. */
  reload(config: string): Promise<void>;
  /** Soft stop (finish calls in flight, at most `maxMs`), then the process is killed. */
  stop(maxMs?: number): Promise<void>;
}

/**
 * Starts haproxy in master-worker mode (its master CLI at `<dir>/master.sock`) on `config`, and
 * resolves once its runtime API answers. Rejects with haproxy's own words if it does not start.
 */
export async function startHaproxy(options: {
  binary: string;
  dir: string;
  config: string;
  adminSocket: string;
  report: (line: string) => void;
  /** Told when haproxy exits on its own (not by stop()). */
  onExit: (why: string) => void;
}): Promise<HaproxyProcess> {
  const configFile = join(options.dir, 'haproxy.cfg');
  await writeChecked(options.binary, configFile, options.config);
  const child = spawn(options.binary, ['-W', '-S', join(options.dir, 'master.sock'), '-f', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const relay = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
    // Its notices and warnings narrate every reload (proxies stopped, servers up): alerts and failed calls are news.
    for (const line of chunk.toString().split('\n')) if (line.trim() && !NARRATION.test(line)) options.report(`haproxy: ${line.trim()}`);
  };
  child.stdout!.on('data', relay);
  child.stderr!.on('data', relay);
  let stopping = false;
  const exited = new Promise<string>((done) => {
    child.once('error', (error) => done(`could not run ${options.binary}: ${error.message}`));
    child.once('exit', (code, signal) => done(`haproxy exited (${signal ?? `code ${code}`})`));
  });
  void exited.then((why) => stopping || options.onExit(`${why}\n${output.trim()}`));
  const answering = await Promise.race([workerPid(options.adminSocket, 10_000), exited]);
  if (typeof answering === 'string') throw new StartupError(`haproxy did not start: ${answering}\n${output.trim()}`);
  return {
    pid: child.pid!,
    async reload(config) {
      await writeChecked(options.binary, configFile, config);
      const before = await workerPid(options.adminSocket, 5_000);
      await runtimeCommand(join(options.dir, 'master.sock'), 'reload');
      const deadline = Date.now() + 15_000;
      while ((await workerPid(options.adminSocket, 1_000).catch(() => before)) === before) {
        if (Date.now() > deadline) throw new Error(`haproxy did not reload within 15 s:\n${output.trim()}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    stop: (maxMs = 10_000) => stopChild(child, exited, maxMs, () => (stopping = true)),
  };
}

/** Writes the configuration only after `haproxy -c` accepts it, so a reload never meets a bad one. */
async function writeChecked(binary: string, file: string, config: string): Promise<void> {
  const candidate = `${file}.new`;
  await writeFile(candidate, config, { mode: 0o600 });
  try {
    await run(binary, ['-c', '-f', candidate]);
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    const said = `${stdout ?? ''}${stderr ?? ''}`
      .split('\n')
      .filter((line) => !line.includes('[NOTICE]'))
      .join('\n');
    throw new Error(`haproxy refused the configuration Tide wrote (${candidate}): ${said.trim()}`);
  }
  await writeFile(file, config, { mode: 0o600 });
}

/** The worker's pid from `show info`, polled until the socket answers (bounded). */
async function workerPid(socket: string, maxMs: number): Promise<number> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    try {
      const pid = /^Pid: (\d+)$/m.exec(await runtimeCommand(socket, 'show info', 1_000))?.[1];
      if (pid !== undefined) return Number(pid);
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`haproxy's runtime API (${socket}) did not answer within ${maxMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function stopChild(child: ChildProcess, exited: Promise<string>, maxMs: number, markStopping: () => void): Promise<void> {
  markStopping();
  if (child.exitCode !== null || child.signalCode !== null) return;
  // SIGUSR1: the master has its workers stop listening and finish what they serve.
  child.kill('SIGUSR1');
  const timer = setTimeout(() => child.kill('SIGKILL'), maxMs);
  await exited;
  clearTimeout(timer);
}
