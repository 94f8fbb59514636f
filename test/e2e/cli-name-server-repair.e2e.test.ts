import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEntry, repoRoot } from '../support/tide-process.js';

/** Runs the CLI to its end (asynchronously: a test's own HTTP server must keep answering meanwhile). */
function tide(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [cliEntry, ...args], {
      cwd: repoRoot,
      // Nothing listens on port 1: a command that gets past its checks fails to reach it (exit 1).
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', TIDE_SERVER: 'http://127.0.0.1:1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

describe('tide deploy checks the function name before it bundles or uploads anything', () => {
  it.each(['Hello_World', 'ends-with-', 'a'.repeat(64)])('refuses --name %s with exit 2, naming the rule', async (name) => {
    const result = await tide(['deploy', 'functions/hello', '--name', name]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(`function name "${name}" is not a DNS-1123 label`);
    expect(result.stderr).not.toMatch(/bundling|uploading|cannot reach/);
  });
});

describe('--server', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((req, res) => res.end(`reached ${req.url}`));
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((closed) => server.close(() => closed())));

  it('takes host:port without a scheme as http://host:port', async () => {
    const result = await tide(['invoke', 'hello', '--server', `127.0.0.1:${port}`]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('reached /fn/default/hello/');
  });

  it.each(['http://exa mple.com', '127.0.0.1:99999', 'ftp://127.0.0.1:8080', 'http://', 'http://127.0.0.1:8080,'])(
    'refuses %s as a bad URL (exit 2), not as an unreachable server',
    async (url) => {
      const result = await tide(['invoke', 'hello', '--server', url]);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(`--server "${url}" is not a valid URL`);
      expect(result.stderr).not.toMatch(/cannot reach/);
    },
  );

  it('keeps a comma-separated list of servers (a node follows several), checking each', async () => {
    const result = await tide(['node', '--server', `127.0.0.1:${port},http://exa mple:1`, '--name', 'n1']);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch('is not a valid URL');
  });

  it('refuses a bad TIDE_SERVER the same way, naming the variable', async () => {
    const result = await tide(['invoke', 'hello'], { TIDE_SERVER: 'http://bad host' });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch('TIDE_SERVER "http://bad host" is not a valid URL');
  });
});

describe('tide log repair', () => {
  it('says a directory without Tide data has none, without a stack trace', async () => {
    const result = await tide(['log', 'repair', '--data', '/nonexistent/tide-data']);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch('no Tide data in /nonexistent/tide-data');
    expect(result.stderr).not.toMatch(/unexpected error|at .*\.js:\d+/);
  });
});
