import { setTimeout as sleep } from 'node:timers/promises';
import { applyFunctionIn, callFunction, deleteFunctionIn } from './abuse-api.js';

/**
 * The abuses of issue 12, acceptance 5, each kept up for a whole window of section 13 (the e2e test
 * test/e2e/resource-abuse.e2e.test.ts makes each once and checks it is contained; here each is
 * repeated so that the neighbour's calls all fall while it goes on). They use the routes of
 * test/fixtures/functions/abuser/index.mjs, deployed in the namespace `abuse` at 128 MB and 200m.
 */
export const ABUSER_RESOURCES = { memoryMb: 128, cpuMilli: 200 } as const;

export interface AbuseContext {
  url: string;
  /** The abuser module's artifact digest. */
  digest: string;
  /** Functions this window deployed: the window's clean-up deletes them and waits for their pods to go. */
  deployed: Set<string>;
  /** The latest pods of the namespace `abuse`, as the window's steady API polling saw them. */
  pods(): readonly { function: string }[];
  /** How the abuse's calls answered: status → calls (0: no answer; calls cut by the window's end are not counted). */
  answers: Record<string, number>;
}

function tally(ctx: AbuseContext, status: number, signal: AbortSignal): void {
  if (!signal.aborted) ctx.answers[status] = (ctx.answers[status] ?? 0) + 1;
}

export interface Abuse {
  name: string;
  /** What the window does, for the notes under the table. */
  does: string;
  /** Before the window: deploys the abuser and waits until it answers (not measured). */
  setUp?(ctx: AbuseContext): Promise<void>;
  /** During the window: keeps the abuse going until `signal` aborts; resolves with the abuses it made (calls; for ignore SIGTERM, abusers deployed and deleted). */
  drive(ctx: AbuseContext, signal: AbortSignal): Promise<number>;
}

const NAMESPACE = 'abuse';

/** Deploys `name` (the abuser at ABUSER_RESOURCES unless `spec` says otherwise) and waits until a pod of it answers. */
async function deploy(ctx: AbuseContext, name: string, spec: Record<string, unknown> = {}, signal?: AbortSignal): Promise<void> {
  ctx.deployed.add(name);
  await applyFunctionIn(ctx.url, NAMESPACE, name, ctx.digest, { resources: ABUSER_RESOURCES, ...spec });
  for (let i = 0; i < 600 && !signal?.aborted; i++) {
    if ((await callFunction(ctx.url, NAMESPACE, name, '/', signal)).status === 200) return;
    await sleep(100);
  }
  if (!signal?.aborted) throw new Error(`abuser ${name} did not answer within 60 s of its deploy`);
}

/** Calls `path` of `name` again and again until `signal` aborts; a call that fails fast (the pod is being replaced, or its revision is backing off: the gateway's 503) is followed by a pause of 250 ms, the pods' polling period. */
async function repeat(ctx: AbuseContext, name: string, path: string, signal: AbortSignal, pauseMs = 0): Promise<number> {
  let calls = 0;
  while (!signal.aborted) {
    const { status, ms } = await callFunction(ctx.url, NAMESPACE, name, path, signal);
    tally(ctx, status, signal);
    calls++;
    if (status !== 200 && ms < 100) await sleep(250, undefined, { signal }).catch(() => undefined);
    if (pauseMs > 0) await sleep(pauseMs, undefined, { signal }).catch(() => undefined);
  }
  return calls;
}

/**
 * Calls `path` of `base`-0, -1, … again and again until `signal` aborts. A pod that keeps dying waits
 * out a back-off before its next restart (the gateway answers 503 meanwhile), which would pause the
 * abuse for most of the window; so on a 503 the tenant does what a determined one would: deletes the
 * function and deploys the same code under the next name, which has no back-off.
 */
async function repeatDodgingBackOff(ctx: AbuseContext, base: string, path: string, spec: Record<string, unknown>, signal: AbortSignal): Promise<number> {
  let calls = 0;
  for (let n = 0; !signal.aborted; ) {
    const { status, ms } = await callFunction(ctx.url, NAMESPACE, `${base}-${n}`, path, signal);
    tally(ctx, status, signal);
    calls++;
    if (status !== 503 || signal.aborted) {
      // A fast 502: the gateway still had the dead pod's address; its restart is on the way.
      if (status !== 200 && ms < 100) await sleep(250, undefined, { signal }).catch(() => undefined);
      continue;
    }
    await deleteFunctionIn(ctx.url, NAMESPACE, `${base}-${n}`);
    n++;
    await deploy(ctx, `${base}-${n}`, spec, signal);
  }
  return calls;
}

export const BASELINE: Abuse = { name: 'baseline', does: 'no abuse', drive: async (_ctx, signal) => (await waitFor(signal), 0) };

function waitFor(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
}

export const ABUSES: readonly Abuse[] = [
  {
    name: 'fork bomb',
    does: '/bomb (bash :(){ :|:& };:) with timeoutSeconds 3, called again as soon as a call ends (504 at the timeout, 502 when the pod is OOM-killed), so each restart is bombed too; redeployed under a new name when the gateway answers 503 (back-off)',
    setUp: (ctx) => deploy(ctx, 'bomb-0', { timeoutSeconds: 3 }),
    drive: (ctx, signal) => repeatDodgingBackOff(ctx, 'bomb', '/bomb', { timeoutSeconds: 3 }, signal),
  },
  {
    name: 'spin every core',
    does: '/spin (busy worker threads on every core + 1) at the default CPU ceiling (1000m for 200m reserved), re-called every second in case its pod is replaced',
    setUp: (ctx) => deploy(ctx, 'spinner'),
    drive: (ctx, signal) => repeat(ctx, 'spinner', '/spin', signal, 1_000),
  },
  {
    name: 'spin, limit 200m',
    does: 'the same spin with cpuLimitMilli 200 (its ceiling is its reservation)',
    setUp: (ctx) => deploy(ctx, 'spinner-200', { resources: { ...ABUSER_RESOURCES, cpuLimitMilli: 200 } }),
    drive: (ctx, signal) => repeat(ctx, 'spinner-200', '/spin', signal, 1_000),
  },
  {
    name: 'allocate 10 GB',
    does: '/hog (10 GB touched page by page) again and again: each call OOM-kills its pod at 128 MB (502); redeployed under a new name when the gateway answers 503 (back-off)',
    setUp: (ctx) => deploy(ctx, 'hog-0'),
    drive: (ctx, signal) => repeatDodgingBackOff(ctx, 'hog', '/hog', {}, signal),
  },
  {
    name: 'ignore SIGTERM',
    does: 'deploy deaf-N (terminationGracePeriodSeconds 2), call /deaf, delete it, next N; at most 3 deleted ones still stopping at a time',
    drive: driveDeaf,
  },
  {
    name: 'sleep past timeout',
    does: '/sleep (an hour) with timeoutSeconds 2, called again as soon as the 504 comes (each timeout recycles the pod)',
    setUp: (ctx) => deploy(ctx, 'sleeper', { timeoutSeconds: 2 }),
    drive: (ctx, signal) => repeat(ctx, 'sleeper', '/sleep', signal),
  },
];

/** Deaf abusers deployed and deleted in a loop: each is SIGKILLed at its grace, 2 s after its deletion. */
async function driveDeaf(ctx: AbuseContext, signal: AbortSignal): Promise<number> {
  const stopping: string[] = [];
  let calls = 0;
  for (let n = 0; !signal.aborted; n++) {
    // Pods waiting out their grace hold their memory reservation: a few at a time, not the node's worth.
    while (stopping.length >= 3 && !signal.aborted) {
      const alive = new Set(ctx.pods().map((pod) => pod.function));
      if (!alive.has(stopping[0]!)) stopping.shift();
      else await sleep(100);
    }
    if (signal.aborted) break;
    const name = `deaf-${n}`;
    await deploy(ctx, name, { terminationGracePeriodSeconds: 2 }, signal);
    tally(ctx, (await callFunction(ctx.url, NAMESPACE, name, '/deaf', signal)).status, signal);
    calls++;
    await deleteFunctionIn(ctx.url, NAMESPACE, name);
    stopping.push(name);
  }
  return calls;
}
