import { createServer } from 'node:http';
import { startMetrics } from '../metrics.js';

/** A process's /metrics as a test scrapes it: startMetrics served on a free port of 127.0.0.1. */
export interface ServedMetrics {
  /** Scrapes /metrics as Prometheus does: the sample lines `match` keeps, the scope label left out. */
  samples(match: RegExp): Promise<string[]>;
  close(): Promise<void>;
}

export async function serveMetricsForTest(serviceName: string): Promise<ServedMetrics> {
  const endpoint = startMetrics({ serviceName, env: {} });
  const server = createServer((req, res) => endpoint.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/metrics`;
  return {
    async samples(match) {
      const text = await (await fetch(url)).text();
      return text
        .split('\n')
        .filter((line) => match.test(line))
        .map((line) => line.replace(/,?otel_scope_name="[^"]*"/, ''));
    },
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await endpoint.shutdown();
    },
  };
}
