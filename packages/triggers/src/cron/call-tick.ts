import type { Clock, Trigger } from '@tide/core';
import type { Dispatcher } from '../dispatcher.js';
import { cloudEventDelivery, judgeAnswer, scheduledDelivery } from './core/tick-delivery.js';

/** Attempts after the first, and the waits before them: within the tick, as Workers Cron Triggers retry. */
export const RETRY_BACKOFF_MS = [1000, 2000] as const;

export type TickOutcome = { ok: true; attempts: number } | { ok: false; attempts: number; error: string };

export interface CallTickOptions {
  dispatcher: Dispatcher;
  clock: Clock;
  /** Aborts the call in flight (Replace) and ends the tick. */
  signal: AbortSignal;
  /** The engine stops: no further attempt starts (the one in flight finishes). */
  stopping: AbortSignal;
  /** Called as the first attempt starts (the delay metric: tick → call). */
  onStart(): void;
}

/**
 * Calls a fired tick's function: `handler`/`auto` its `scheduled` handler (`auto` falls back to a
 * CloudEvent to `fetch` when the module has none), `cloudevent` only the CloudEvent. A 5xx or no
 * answer is tried again after RETRY_BACKOFF_MS unless the answer said noRetry.
 */
export async function callTick(trigger: Trigger, tick: number, options: CallTickOptions): Promise<TickOutcome> {
  const { dispatcher, signal } = options;
  const mode = trigger.spec.delivery;
  options.onStart();
  for (let attempt = 1; ; attempt++) {
    let verdict: ReturnType<typeof judgeAnswer>;
    try {
      let result = mode === 'cloudevent' ? undefined : await dispatcher.deliver({ ...scheduledDelivery(trigger, tick), signal });
      if (result?.noHandler && mode === 'handler') return { ok: false, attempts: attempt, error: 'the function has no scheduled handler (delivery: handler)' };
      if (!result || result.noHandler) result = await dispatcher.deliver({ ...cloudEventDelivery(trigger, tick), signal });
      verdict = judgeAnswer(result);
    } catch (error) {
      if (signal.aborted) return { ok: false, attempts: attempt, error: `aborted: ${String(signal.reason ?? 'the call was aborted')}` };
      verdict = { ok: false, retry: true, error: `no answer: ${(error as Error).message}` };
    }
    if (verdict.ok) return { ok: true, attempts: attempt };
    const wait = RETRY_BACKOFF_MS[attempt - 1];
    if (!verdict.retry || wait === undefined) return { ok: false, attempts: attempt, error: verdict.error };
    if (!(await pause(options.clock, wait, [signal, options.stopping])))
      return { ok: false, attempts: attempt, error: `${verdict.error}; not retried: ${signal.aborted ? 'aborted' : 'the engine stopped'}` };
  }
}

/** Waits `ms` on the clock; false when a signal aborted first. */
function pause(clock: Clock, ms: number, signals: readonly AbortSignal[]): Promise<boolean> {
  if (signals.some((s) => s.aborted)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clock.clearTimeout(timer);
      for (const s of signals) s.removeEventListener('abort', abort);
      resolve(ok);
    };
    const abort = () => done(false);
    const timer = clock.setTimeout(() => done(true), ms);
    for (const s of signals) s.addEventListener('abort', abort);
  });
}
