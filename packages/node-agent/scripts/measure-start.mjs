// Measures a pod's cold start: from sync() (which spawns the runtime) to the Ready report
// (IPC ready + readiness probe answered). Run after building: node packages/node-agent/scripts/measure-start.mjs [count]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openNodeAgent } from '../dist/index.js';

const count = Number(process.argv[2] ?? 20);
const dir = await mkdtemp(join(tmpdir(), 'tide-start-'));
const artifactPath = join(dir, 'hello.mjs');
await writeFile(artifactPath, `export default { fetch: () => new Response('hello') };`);

let onReady = () => {};
const agent = await openNodeAgent({ dataDir: join(dir, 'data'), onReport: (r) => r.phase === 'Ready' && onReady(r) });
const spec = { namespace: 'default', functionName: 'hello', revision: 'hello-00001', artifactPath, env: {}, memoryMb: 128, timeoutSeconds: 30, terminationGraceSeconds: 5 };
const samples = [];
for (let i = 0; i < count; i++) {
  const ready = new Promise((resolve) => (onReady = resolve));
  const started = performance.now();
  agent.sync([{ ...spec, name: `hello-${i}` }]);
  await ready;
  samples.push(performance.now() - started);
  agent.sync([]);
  await new Promise((r) => setTimeout(r, 50));
}
await agent.close();
await rm(dir, { recursive: true, force: true });
samples.sort((a, b) => a - b);
const at = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))].toFixed(1);
console.log(`spawn -> Ready over ${count} starts: p50 ${at(0.5)} ms, p90 ${at(0.9)} ms, min ${samples[0].toFixed(1)} ms, max ${samples.at(-1).toFixed(1)} ms`);
