// Measures a pod's cold start, from sync() to the Ready report (IPC ready + readiness probe
// answered), with the warm pool (an idle pre-started runtime is assigned the pod) and without it
// (a runtime process is spawned), side by side. The two agents run at once and take turns, so
// both see the same machine load. Run after building runtime and node-agent:
//   node packages/node-agent/scripts/measure-start.mjs [count=30] [runtimeEntry]
// With TIDE_SANDBOX=bwrap (as root, bubblewrap installed), the same two sandboxed, interleaved too.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openNodeAgent } from '../dist/index.js';

const count = Number(process.argv[2] ?? 30);
const runtimeEntry = process.argv[3] && resolve(process.argv[3]); // default: @tide/runtime's dist/main.js
const dir = await mkdtemp(join(tmpdir(), 'tide-start-'));
const artifactPath = join(dir, 'hello.mjs');
await writeFile(artifactPath, `export default { fetch: () => new Response('hello') };`);
const spec = {
  namespace: 'default',
  functionName: 'hello',
  revision: 'hello-00001',
  artifactPath,
  env: {},
  memoryMb: 128,
  timeoutSeconds: 30,
  terminationGraceSeconds: 5,
};

async function openMeasured(name, warmPool, sandbox = 'none') {
  let waiter;
  const agent = await openNodeAgent({
    dataDir: join(dir, name.replaceAll(' ', '-')),
    warmPool,
    sandbox,
    ...(runtimeEntry ? { runtimeEntry } : {}),
    onReport: (report) => waiter?.(report),
  });
  const samples = [];
  const coldStarts = { pool: 0, spawn: 0 };
  const next = (match) => new Promise((resolve) => (waiter = (report) => match(report) && resolve(report)));
  return {
    name,
    agent,
    samples,
    coldStarts,
    async startOnce(i) {
      // A pool that has not refilled since the last start would measure the spawn path.
      for (let waited = 0; agent.warmPool().idle < agent.warmPool().size && waited < 5_000; waited += 10) await sleep(10);
      await sleep(20); // let the refill's own start-up work settle
      const ready = next((r) => r.phase === 'Ready' || r.phase === 'Exited');
      const started = performance.now();
      agent.sync([{ ...spec, name: `hello-${i}` }]);
      const report = await ready;
      if (report.phase !== 'Ready') throw new Error(`pod did not start: ${report.reason}`);
      samples.push(performance.now() - started);
      coldStarts[report.coldStart] += 1;
      const stopped = next((r) => r.phase === 'Stopped');
      agent.sync([]);
      await stopped;
    },
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const runs = [await openMeasured('with pool', { size: 2, memoryMb: 128 }), await openMeasured('without pool', { size: 0 })];
if (process.env.TIDE_SANDBOX === 'bwrap') {
  runs.push(await openMeasured('pool + bwrap', { size: 2, memoryMb: 128 }, 'bwrap'), await openMeasured('spawn + bwrap', { size: 0 }, 'bwrap'));
}
for (const run of runs) await run.startOnce(`warm-up-${run.name.replaceAll(' ', '-')}`);
for (const run of runs) {
  run.samples.length = 0;
  run.coldStarts.pool = run.coldStarts.spawn = 0;
}
for (let i = 0; i < count; i++) for (const run of i % 2 ? runs : [...runs].reverse()) await run.startOnce(i);
await Promise.all(runs.map((run) => run.agent.close()));
await rm(dir, { recursive: true, force: true });

const at = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)].toFixed(1);
console.log(`sync -> Ready over ${count} starts each (ms):`);
console.log(`${''.padEnd(14)}${['p50', 'p90', 'p99', 'min', 'max'].map((h) => h.padStart(8)).join('')}   cold starts`);
for (const run of runs) {
  const sorted = [...run.samples].sort((a, b) => a - b);
  const cells = [at(sorted, 0.5), at(sorted, 0.9), at(sorted, 0.99), sorted[0].toFixed(1), sorted.at(-1).toFixed(1)];
  console.log(`${run.name.padEnd(14)}${cells.map((c) => c.padStart(8)).join('')}   pool ${run.coldStarts.pool}, spawn ${run.coldStarts.spawn}`);
}
