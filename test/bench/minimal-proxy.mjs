/**
 * The floor of a Node data path (issue 14): node:http in, one undici Pool out, streams piped,
 * nothing else — no routing, no limits, no telemetry. Bench section 4 puts it beside nginx and
 * Tide's gateway, so the gateway's CPU per request is judged against what Node itself costs.
 * A plain .mjs file because the bench is bundled: it is started by path at run time.
 * Arguments: the port to listen on, the upstream origin, the pool's connections.
 * Prints `listening <port>` once it serves.
 */
import { createServer } from 'node:http';
import { Pool } from 'undici';

const [port = '0', upstream = '', connections = '32'] = process.argv.slice(2);
const pool = new Pool(upstream, { connections: Number(connections) });

const server = createServer((req, res) => {
  const headers = { ...req.headers };
  delete headers.connection;
  delete headers['keep-alive'];
  const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  pool.request({ path: req.url ?? '/', method: req.method ?? 'GET', headers, body: hasBody ? req : null }, (error, data) => {
    if (error) {
      res.writeHead(502).end(String(error.message));
      return;
    }
    const out = { ...data.headers };
    delete out.connection;
    delete out['keep-alive'];
    delete out['transfer-encoding'];
    res.writeHead(data.statusCode, out);
    data.body.pipe(res);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), '127.0.0.1', () => console.log(`listening ${server.address().port}`));
const stop = () => server.close(() => pool.close().then(() => process.exit(0)));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
