/**
 * Where a cold start's time goes, link by link, from the spans of its one trace (docs/tracing.md):
 * the call's gateway span, its hold, the scale decision, the pods' creation, the placement, the
 * pod's start (claim or spawn, import) and the hop to the pod. Each link is the time from one
 * span's start to the next's, so the links add up to call → first byte.
 *
 * After `npm run build`:
 *   npx esbuild test/bench/cold-chain-links.ts --bundle --platform=node --format=esm --packages=external \
 *     --outfile=test/bench/out/cold-chain-links.mjs && node test/bench/out/cold-chain-links.mjs [--no-pool] [--samples N]
 * Spans carry millisecond times from some processes: read single links below ~1 ms as "about 0".
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { rememberApiToken } from '../support/api-auth.js';
import { otlpEnv, startOtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';
import { freePort, repoRoot, startTide, stopTide } from '../support/tide-process.js';
import { COLD_START_BENCH, waitForPods } from './cold-start-bench.js';
import { bundleFunction } from './function-bundle.js';
import { median, percentile, sortedCopy } from './stats.js';
import { applyFunction, uploadArtifact } from './tide-api.js';
import { createTempDirs } from './temp-dirs.js';

/** The links in chain order: each named span's start, relative to the call's gateway span. */
const MARKS: readonly [string, RegExp][] = [
  ['scale decided', /^scale default\//],
  ['pods created', /^create pods default\//],
  ['pod bound', /^schedule default\//],
  ['agent starts pod', /^start pod default\//],
  ['process claimed/spawned', /^(claim warm-pool process|spawn runtime process)$/],
  ['import begins', /^import$/],
  ['import ends', /^import$/],
  ['pod start ends', /^start pod default\//],
  ['hop to pod', /^GET$/],
  ['invoke begins', /^invoke default\//],
];

function marksOf(spans: readonly ReceivedSpan[], traceId: string): Map<string, number> | undefined {
  const mine = spans.filter((s) => s.traceId === traceId);
  const gateway = mine.find((s) => s.name.startsWith('gateway /fn/'));
  if (!gateway) return undefined;
  const marks = new Map<string, number>();
  for (const [label, pattern] of MARKS) {
    const span = mine.find((s) => pattern.test(s.name));
    if (!span) return undefined;
    marks.set(label, (label.endsWith('ends') ? span.endMs : span.startMs) - gateway.startMs);
  }
  const hop = mine.find((s) => s.name === 'GET')!;
  marks.set('first byte (hop end)', hop.endMs - gateway.startMs);
  return marks;
}

async function main(): Promise<void> {
  const noPool = process.argv.includes('--no-pool');
  const samplesArg = process.argv.indexOf('--samples');
  const samples = samplesArg > 0 ? Number(process.argv[samplesArg + 1]) : 10;
  const temp = createTempDirs();
  const receiver = await startOtlpReceiver();
  const dataDir = await temp.make('tide-cold-chain-');
  const tide = await startTide({
    dataDir,
    port: await freePort(),
    env: { ...otlpEnv(receiver), ...(noPool ? { TIDE_WARM_POOL: '0' } : {}) },
    timeoutMs: 60_000,
  });
  rememberApiToken(tide.url, tide.adminToken);
  try {
    const hello = await bundleFunction(repoRoot, 'hello');
    const names = Array.from({ length: samples }, (_, i) => `chain-${i}`);
    const digest = await uploadArtifact(tide.url, hello.distinct(`chain ${process.pid}`));
    for (const name of names) await applyFunction(tide.url, name, digest, { min: 0, max: 1, scaleToZeroAfterSeconds: 1 });
    await waitForPods(tide.url, names, 0, 60_000, 'scale to zero');
    const rows: Map<string, number>[] = [];
    const firstByte: number[] = [];
    for (const name of names) {
      await waitForPods(tide.url, [name], 0, 60_000, 'be at zero');
      // Section 6's pacing, so the links are those of the starts it measures.
      await sleep(COLD_START_BENCH.settleMs);
      const traceId = randomBytes(16).toString('hex');
      const started = performance.now();
      const res = await request(`${tide.url}/fn/default/${name}`, { headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` } });
      firstByte.push(performance.now() - started);
      await res.body.dump();
      const deadline = performance.now() + 10_000;
      let marks: Map<string, number> | undefined;
      while (!(marks = marksOf(receiver.spans(), traceId)) && performance.now() < deadline) await sleep(50);
      if (marks) rows.push(marks);
      else console.error(`${name}: its trace did not arrive whole`);
    }
    console.log(`cold start ${noPool ? 'without' : 'through'} the warm pool: ${rows.length} traces; ms from the gateway's span start`);
    console.log(`${'mark'.padEnd(26)}  ${'p50 at'.padStart(7)}  ${'p50 link'.padStart(8)}  ${'p90 link'.padStart(8)}`);
    let previous: number[] = rows.map(() => 0);
    for (const label of [...MARKS.map(([l]) => l), 'first byte (hop end)']) {
      const at = rows.map((r) => r.get(label)!);
      const link = at.map((v, i) => v - previous[i]!);
      const sortedLink = sortedCopy(link);
      console.log(
        `${label.padEnd(26)}  ${median(at).toFixed(2).padStart(7)}  ${median(link).toFixed(2).padStart(8)}  ${percentile(sortedLink, 0.9).toFixed(2).padStart(8)}`,
      );
      previous = at;
    }
    const sorted = sortedCopy(firstByte);
    console.log(`client: send → first byte p50 ${percentile(sorted, 0.5).toFixed(2)} ms, p90 ${percentile(sorted, 0.9).toFixed(2)} ms`);
  } finally {
    await stopTide(tide);
    await receiver.close();
    await temp.removeAll();
  }
}

await main();
