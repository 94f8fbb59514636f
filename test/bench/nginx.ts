import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { childPids } from './process-cpu.js';

/** Where nginx came from, or why the bench has no nginx column. */
export type NginxAvailability = { found: true; binary: string; version: string; installedNow: boolean } | { found: false; reason: string };

export interface RunningNginx {
  url: string;
  /** The master and its worker(s): whose CPU counts as nginx's. */
  pids: number[];
  stop(): Promise<void>;
}

export class NginxStartError extends Error {
  constructor(
    readonly reason: string,
    readonly errorLog: string,
  ) {
    super(`nginx did not start: ${reason}${errorLog ? `\n--- nginx error.log ---\n${errorLog.slice(-2_000)}` : ''}`);
    this.name = 'NginxStartError';
  }
}

const INSTALL_TIMEOUT_MS = 240_000;
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

/**
 * The reverse proxy the gateway is compared with: one worker, keep-alive both ways, no access log,
 * every path (pid, logs, temp files) in `dir` so it needs nothing of the system's nginx set-up.
 * Keep-alive requests per connection are unbounded-ish (nginx closes after 1 000 by default, which
 * would add a reconnect to every thousandth call), and upstream connections idle out after 4 s,
 * before Node's 5 s keep-alive timeout closes them under nginx.
 */
export function nginxConf(options: { dir: string; port: number; upstreamPort: number }): string {
  const { dir, port, upstreamPort } = options;
  return `daemon off;
worker_processes 1;
error_log ${join(dir, 'error.log')} warn;
pid ${join(dir, 'nginx.pid')};
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'client-body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  keepalive_requests 1000000;
  upstream pod {
    server 127.0.0.1:${upstreamPort};
    keepalive 64;
    keepalive_requests 1000000;
    keepalive_timeout 4s;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://pod;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}

/** nginx on PATH (or Debian's /usr/sbin), else installed with apt-get when running as root. */
export async function ensureNginx(log: (line: string) => void): Promise<NginxAvailability> {
  const present = await findNginx();
  if (present) return { found: true, binary: present, version: await nginxVersion(present), installedNow: false };
  if (process.getuid?.() !== 0)
    return {
      found: false,
      reason: 'nginx is not installed and the bench is not root, so it cannot apt-get install it (apt-get install -y nginx adds the column)',
    };
  log('nginx is not installed: running apt-get install -y nginx (once; later runs find it)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let attempt = await run('apt-get', ['install', '-y', '-q', 'nginx'], env);
  if (!attempt.ok) {
    // A fresh machine may have no package lists yet.
    await run('apt-get', ['update', '-q'], env);
    attempt = await run('apt-get', ['install', '-y', '-q', 'nginx'], env);
  }
  const installed = await findNginx();
  if (!installed) return { found: false, reason: `apt-get install -y nginx failed: ${attempt.output.trim().split('\n').slice(-3).join(' / ')}` };
  return { found: true, binary: installed, version: await nginxVersion(installed), installedNow: true };
}

/** Starts nginx in front of 127.0.0.1:`upstreamPort` as a child process; resolves once it proxies a 200. */
export async function startNginx(options: { binary: string; dir: string; port: number; upstreamPort: number; probePath: string }): Promise<RunningNginx> {
  const conf = join(options.dir, 'nginx.conf');
  const errorLog = join(options.dir, 'error.log');
  await writeFile(conf, nginxConf(options));
  // -e: the error log before the config is read, which otherwise goes to the system's /var/log/nginx.
  const child = spawn(options.binary, ['-p', options.dir, '-c', conf, '-e', errorLog], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${options.port}`;
  const readLog = async () => `${stderr}${await readFile(errorLog, 'utf8').catch(() => '')}`;
  const stop = () => stopChild(child, exited);
  try {
    await waitUntilProxying(`${url}${options.probePath}`, child);
  } catch (error) {
    await stop();
    throw new NginxStartError((error as Error).message, await readLog());
  }
  return { url, pids: [child.pid!, ...childPids(child.pid!)], stop };
}

async function waitUntilProxying(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`it exited (${child.exitCode ?? child.signalCode})`);
    const status = await request(url, { headersTimeout: 2_000, bodyTimeout: 2_000 }).then(
      async (res) => (await res.body.dump(), res.statusCode),
      () => undefined,
    );
    if (status === 200) return;
    await sleep(Math.min(200, 10 * 2 ** attempt));
  }
  throw new Error(`GET ${url} gave no 200 within ${START_TIMEOUT_MS} ms`);
}

/** SIGTERM (nginx's fast shutdown: the master stops its workers), SIGKILL if it lingers. */
async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const workers = childPids(child.pid!);
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    child.kill('SIGKILL');
    for (const pid of workers) killQuietly(pid);
  }, STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function findNginx(): Promise<string | undefined> {
  const onPath = await run('sh', ['-c', 'command -v nginx'], process.env);
  if (onPath.ok && onPath.output.trim()) return onPath.output.trim();
  return existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : undefined;
}

async function nginxVersion(binary: string): Promise<string> {
  const result = await run(binary, ['-v'], process.env);
  return /nginx\/\S+/.exec(result.output)?.[0] ?? 'nginx (version unknown)';
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { env, timeout: INSTALL_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ ok: error === null, output: `${stdout}${stderr}` });
    });
  });
}
