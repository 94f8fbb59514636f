import { activationResultOf, DEFAULT_ASYNC_SPEC, type ActivationRecord, type AsyncInvocation, type AsyncSpec } from '@tide/core';
import { platformTopic } from '@tide/topics';
import type { DeliveryResult } from '../dispatcher.js';
import type { EngineDeps } from '../engine.js';
import { appendActivation } from './activation-log.js';
import type { AsyncMetrics } from './async-metrics.js';
import { deliverCallback } from './callback.js';
import { expired, nextStep, type AttemptOutcome } from './core/next-step.js';
import { traceOf } from './trace-context.js';

export interface CallContext {
  deps: EngineDeps;
  metrics: AsyncMetrics;
  /** Resolves once a delivery slot is free; the returned function frees it. */
  acquire(): Promise<() => void>;
  /** Waits `ms` on the clock; resolves false (at once) when the worker stops. */
  sleep(ms: number): Promise<boolean>;
  stopping(): boolean;
}

/**
 * Runs one async call to its end: attempts through the dispatcher with the function's retry
 * policy, a record on tide.activations at each change, the dead-letter topic when retries run out,
 * then the callback. `known` is the activation's latest record from before a restart, if any.
 * Resolves with the last record, or undefined when the worker stopped first (the call stays
 * uncommitted and runs again after a restart).
 */
export async function runCall(call: AsyncInvocation, known: ActivationRecord | undefined, ctx: CallContext): Promise<ActivationRecord | undefined> {
  const { deps } = ctx;
  const trace = traceOf(call.traceparent, known?.traceId);
  let record: ActivationRecord = known ?? {
    kind: 'activation',
    id: call.id,
    namespace: call.namespace,
    function: call.function,
    status: 'queued',
    attempts: 0,
    queuedAt: call.receivedAt,
    traceId: trace.traceId,
    ...(call.callbackUrl === undefined ? {} : { callback: 'pending' as const }),
    updatedAt: deps.clock.now(),
  };
  const save = async (changes: Partial<ActivationRecord>) => {
    record = { ...record, ...changes, updatedAt: Math.max(deps.clock.now(), record.updatedAt + 1) };
    await appendActivation(deps.log, record);
    return record;
  };
  if (known === undefined) await save({});
  if (record.status === 'succeeded' || record.status === 'failed' || record.status === 'dead-lettered') return finishCallback(call, record, ctx, save);

  const body = Buffer.from(call.body, 'base64');
  // After a restart the split is not known: count what was tried as failures (the cautious reading).
  const counts = { failures: record.attempts, throttles: 0 };
  while (!ctx.stopping()) {
    const policy = policyOf(deps, call);
    if (expired(policy, call.receivedAt, deps.clock.now())) {
      await deadLetter(call, record, policy, `older than maxEventAgeSeconds (${policy.maxEventAgeSeconds}) before its attempt`, ctx, save);
      return finishCallback(call, record, ctx, save);
    }
    const release = await ctx.acquire();
    let outcome: AttemptOutcome;
    try {
      if (ctx.stopping()) return undefined;
      const start = record.start ?? deps.clock.now();
      await save({ status: 'running', attempts: record.attempts + 1, start });
      ctx.metrics.delivered(call.namespace, call.function);
      try {
        const answer = await deps.dispatcher.deliver({
          namespace: call.namespace,
          function: call.function,
          kind: 'http',
          method: call.method,
          path: call.path,
          headers: { ...call.headers, traceparent: trace.traceparent, ...(call.tracestate ? { tracestate: call.tracestate } : {}), 'x-request-id': call.id },
          body,
        });
        const throttled = isThrottled(answer);
        outcome = { kind: 'answer', status: answer.status, throttled };
        record = { ...record, result: activationResultOf(answer.status, answer.headers, answer.body) };
        delete record.error;
      } catch (error) {
        outcome = { kind: 'no-answer', error: (error as Error).message };
        record = { ...record, error: (error as Error).message };
        delete record.result;
      }
    } finally {
      release();
    }
    if (outcome.kind === 'answer' && outcome.throttled === true) counts.throttles += 1;
    else counts.failures += 1;
    const step = nextStep(outcome, counts, policy, call.receivedAt, deps.clock.now());
    if (step.kind === 'retry') {
      ctx.metrics.retried(call.namespace, call.function);
      await save({ status: 'retrying' });
      if (!(await ctx.sleep(step.afterMs))) return undefined;
      continue;
    }
    if (step.kind === 'dead-letter') await deadLetter(call, record, policy, step.reason, ctx, save);
    else await save({ status: step.kind, ...ended(record, deps.clock.now()) });
    return finishCallback(call, record, ctx, save);
  }
  return undefined;
}

/**
 * The gateway's own 429 (too many calls waiting) or 503 (no pod became ready or free in time), marked
 * `tide-error: gateway`: the function did not run, so no retry is spent. Not when its pods are
 * failing: the gateway then answers 503 "... has no pod that can serve: pod ... exited ..." at once
 * (gateway.ts), and that is the function's failure.
 */
function isThrottled(answer: DeliveryResult): boolean {
  if (answer.headers['tide-error'] !== 'gateway') return false;
  if (answer.status === 429) return true;
  return answer.status === 503 && !Buffer.from(answer.body).toString('utf8').includes('has no pod that can serve');
}

function policyOf(deps: EngineDeps, call: AsyncInvocation): AsyncSpec {
  return deps.store.state().functions.get(`${call.namespace}/${call.function}`)?.spec.async ?? DEFAULT_ASYNC_SPEC;
}

function ended(record: ActivationRecord, now: number): Pick<ActivationRecord, 'end' | 'durationMs'> {
  return { end: now, durationMs: now - (record.start ?? record.queuedAt) };
}

type Save = (changes: Partial<ActivationRecord>) => Promise<ActivationRecord>;

/** To the namespace's dead-letter topic (when the function names one) with the call and why; the activation always ends dead-lettered. */
async function deadLetter(call: AsyncInvocation, record: ActivationRecord, policy: AsyncSpec, reason: string, ctx: CallContext, save: Save): Promise<void> {
  const { deps } = ctx;
  let error = reason;
  if (policy.deadLetterTopic !== undefined) {
    const topic = platformTopic(call.namespace, policy.deadLetterTopic);
    const letter = { activationId: call.id, reason, attempts: record.attempts, result: record.result, error: record.error, invocation: call };
    try {
      await deps.bus.publish(topic, [
        {
          key: call.id,
          value: JSON.stringify(letter),
          headers: { 'tide-activation-id': call.id, ...(call.traceparent ? { traceparent: call.traceparent } : {}) },
        },
      ]);
    } catch (publishError) {
      error = `${reason}; publishing to dead-letter topic ${policy.deadLetterTopic} failed: ${(publishError as Error).message}`;
      deps.onError(new Error(`async call ${call.namespace}/${call.function} ${call.id}: ${error}`));
    }
  }
  ctx.metrics.deadLettered(call.namespace, call.function);
  await save({ status: 'dead-lettered', error, ...ended(record, deps.clock.now()) });
}

async function finishCallback(call: AsyncInvocation, record: ActivationRecord, ctx: CallContext, save: Save): Promise<ActivationRecord> {
  if (record.callback !== 'delivered' && record.callback !== 'failed') ctx.metrics.ended(call.namespace, call.function, record.status);
  if (call.callbackUrl === undefined || record.callback !== 'pending') return record;
  const outcome = await deliverCallback(call.callbackUrl, record, ctx.deps.clock);
  return save({ callback: outcome });
}
