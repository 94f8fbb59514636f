// CPU a pod spends per request with @hono/node-server's lightweight Request/Response as globals
// (overrideGlobalObjects: true, its default) and with Node's own (false, what serve-function.ts uses),
// for a bare fetch handler and a hono app, 20 000 keep-alive calls at c=16, 3 alternating rounds.
// Usage: cd packages/runtime && node scripts/measure-globals.mjs
import { fork } from 'node:child_process';
import { Pool } from 'undici';

const MODE = process.argv[2];
if (MODE === 'serve') {
  const { createServer } = await import('node:http');
  const { getRequestListener } = await import('@hono/node-server');
  const { Hono } = await import('hono');
  const override = process.argv[3] === 'override';
  const app = new Hono();
  app.get('/hono', (c) => c.text('hello'));
  const listener = getRequestListener(
    async (request) => (new URL(request.url).pathname === '/hono' ? app.fetch(request) : new Response('hello', { headers: { 'content-type': 'text/plain' } })),
    { overrideGlobalObjects: override },
  );
  const server = createServer({ keepAlive: true }, listener);
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('message', () => process.send({ cpu: process.cpuUsage() }));
} else {
  const N = 20_000;
  const results = {};
  for (let round = 0; round < 3; round++) {
    for (const variant of ['override', 'node']) {
      for (const path of ['/', '/hono']) {
        const child = fork(new URL(import.meta.url), ['serve', variant], { cwd: process.cwd() });
        const { port } = await new Promise((r) => child.once('message', r));
        const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 16 });
        const call = async () => (await pool.request({ path, method: 'GET' })).body.text();
        for (let i = 0; i < 2000; i++) await call(); // warm up
        const cpu = () =>
          new Promise((r) => {
            child.once('message', (m) => r(m.cpu));
            child.send('cpu');
          });
        const before = await cpu();
        let next = 0;
        await Promise.all(
          Array.from({ length: 16 }, async () => {
            while (next++ < N) await call();
          }),
        );
        const after = await cpu();
        const us = (after.user + after.system - before.user - before.system) / N;
        (results[`${variant} ${path}`] ??= []).push(us);
        await pool.close();
        child.kill();
      }
    }
  }
  for (const [k, v] of Object.entries(results))
    console.log(k.padEnd(16), v.map((x) => x.toFixed(1)).join(' '), 'µs CPU/request; median', v.sort((a, b) => a - b)[1].toFixed(1));
}
