import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Agent } from 'undici';
import { deployFunctions, removeFunctions } from './deploy-functions.js';
import { driveLoad } from './load-driver.js';
import { noPodsSince, startPodSampler, type PodSampler } from './pod-sampler.js';
import { buildReport, type LoadReport } from './report.js';
import { openScaleEventWatch, type ScaleEventWatch } from './scale-events.js';
import type { Scenario, ScenarioOptions } from './scenario.js';
import { createTideApi, waitForNoPods } from './tide-api.js';
import { timelineSvg } from './timeline-chart.js';

export interface RunContext {
  url: string;
  repoRoot: string;
  outDir: string;
  signal: AbortSignal;
  /** Many connections for the callers; the API's polls and watch use their own agent so they never queue behind load. */
  callerAgent: Agent;
  apiAgent: Agent;
  log: (line: string) => void;
}

const SAMPLE_EVERY_MS = 250;
/** Functions scaled to zero (scaleToZeroAfterSeconds 5) need ~6-10 s; a minute means something is wrong. */
const ZERO_PODS_TIMEOUT_MS = 60_000;

/** Deploys, (optionally) waits for zero pods, drives the phases while observing, reports, and removes the functions. */
export async function runScenario(scenario: Scenario, options: ScenarioOptions, ctx: RunContext): Promise<LoadReport> {
  const plan = scenario.plan(options);
  const names = plan.functions.map((f) => f.name);
  const api = createTideApi(ctx.url, ctx.apiAgent);
  let sampler: PodSampler | undefined;
  let watch: ScaleEventWatch | undefined;
  try {
    ctx.log(`deploying ${names.length === 1 ? names[0] : `${names.length} functions`}`);
    const deployStarted = performance.now();
    await deployFunctions(ctx.url, ctx.repoRoot, plan.functions);
    const setupMs: { deploy: number; toZeroPods?: number } = { deploy: Math.round(performance.now() - deployStarted) };
    if (plan.startFromZero) {
      ctx.log('waiting for 0 pods');
      const waitStarted = performance.now();
      await waitForNoPods(api, names, ZERO_PODS_TIMEOUT_MS, ctx.signal);
      setupMs.toZeroPods = Math.round(performance.now() - waitStarted);
    }
    const origin = performance.now();
    const elapsedMs = () => performance.now() - origin;
    const startEpochMs = performance.timeOrigin + origin;
    watch = await openScaleEventWatch({ url: ctx.url, names, dispatcher: ctx.apiAgent, startEpochMs, elapsedMs, maxEvents: 100_000 });
    sampler = startPodSampler({ api, names, intervalMs: SAMPLE_EVERY_MS, elapsedMs, maxSamples: 4 * 60 * 10 });
    await firstSample(sampler);
    ctx.log(`load: ${plan.phases.map((p) => `${p.label} (${p.durationMs / 1000} s)`).join(' → ')}`);
    const drive = await driveLoad({
      url: ctx.url,
      functions: plan.functions,
      phases: plan.phases,
      dispatcher: ctx.callerAgent,
      elapsedMs,
      signal: ctx.signal,
      noPodsSince: (sinceMs) => noPodsSince(sampler?.latest(), sinceMs),
    });
    ctx.signal.throwIfAborted();
    await new Promise((resolve) => setTimeout(resolve, 500)); // one or two more polls: the last step's reaction may be in flight
    await sampler.stop();
    await watch.close();
    const report = buildReport({
      plan,
      startedAt: new Date(startEpochMs).toISOString(),
      url: ctx.url,
      drive,
      samples: [...sampler.samples],
      scaleEvents: [...watch.events],
      samplerFailures: sampler.failures,
      setupMs,
    });
    await writeOutputs(ctx.outDir, report);
    return report;
  } finally {
    await sampler?.stop();
    await watch?.close();
    await removeFunctions(api, names).catch((error: Error) => ctx.log(`could not remove ${names.length} function(s): ${error.message}`));
  }
}

async function firstSample(sampler: PodSampler): Promise<void> {
  for (let i = 0; i < 200 && sampler.samples.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 25));
  if (sampler.samples.length === 0) throw new Error('the pod sampler got no answer from the API within 5 s');
}

async function writeOutputs(outDir: string, report: LoadReport): Promise<void> {
  await writeFile(join(outDir, `${report.scenario}.json`), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(outDir, `${report.scenario}.svg`), timelineSvg(report));
}
