import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { nginxConf, startNginx, type RunningNginx } from './nginx.js';
import { processCpuSeconds } from './process-cpu.js';

const nginxBinary = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'].find((path) => existsSync(path));

describe('nginx for the proxy bench', () => {
  let dir: string | undefined;
  let upstream: Server | undefined;
  let nginx: RunningNginx | undefined;

  afterEach(async () => {
    await nginx?.stop();
    upstream?.closeAllConnections();
    await new Promise((resolve) => (upstream ? upstream.close(resolve) : resolve(undefined)));
    if (dir) await rm(dir, { recursive: true, force: true });
    nginx = upstream = dir = undefined;
  });

  it('keeps every file it writes in its own directory and reuses upstream connections', () => {
    const conf = nginxConf({ dir: '/tmp/x', port: 8081, upstreamPort: 9000 });
    expect(conf).toContain('daemon off;');
    expect(conf).toContain('pid /tmp/x/nginx.pid;');
    expect(conf).toContain('error_log /tmp/x/error.log');
    expect(conf).toContain('listen 127.0.0.1:8081;');
    expect(conf).toMatch(/server 127\.0\.0\.1:9000;\s+keepalive 64;/);
    expect(conf).toContain('proxy_http_version 1.1;');
    expect(conf).toContain('proxy_set_header Connection "";');
    expect(conf.match(/\/(var|etc|usr)\//g)).toBeNull();
  });

  it.skipIf(nginxBinary === undefined)(
    'proxies to the upstream over one kept-alive connection and leaves no process behind (skipped without nginx installed)',
    async () => {
      dir = await mkdtemp(join(tmpdir(), 'tide-nginx-test-'));
      const connections: unknown[] = [];
      upstream = createServer((_req, res) => res.end('hi from upstream'));
      upstream.on('connection', (socket) => connections.push(socket));
      await new Promise<void>((resolve) => upstream!.listen(0, '127.0.0.1', resolve));
      const upstreamPort = (upstream.address() as { port: number }).port;
      const port = await new Promise<number>((resolve) => {
        const probe = createServer().listen(0, '127.0.0.1', () => {
          const { port: free } = probe.address() as { port: number };
          probe.close(() => resolve(free));
        });
      });

      nginx = await startNginx({ binary: nginxBinary!, dir, port, upstreamPort, probePath: '/' });
      for (let i = 0; i < 20; i++) {
        const res = await request(`${nginx.url}/x`);
        expect(await res.body.text()).toBe('hi from upstream');
      }
      expect(connections.length).toBe(1);
      expect(nginx.pids.length).toBeGreaterThanOrEqual(2); // master and its worker
      const pids = nginx.pids;
      await nginx.stop();
      expect(pids.map((pid) => processCpuSeconds(pid))).toEqual(pids.map(() => undefined));
    },
  );
});
