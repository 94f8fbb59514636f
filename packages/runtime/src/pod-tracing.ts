import { type Context, context, ROOT_CONTEXT, TraceFlags, trace, createTraceState } from '@opentelemetry/api';
import { currentCallSpans, onTracedWorkIdle } from './call-trace.js';
import type { InvokeTrace } from './invoke-trace.js';
import { PodContextManager } from './pod-context-manager.js';
import { PodTracerProvider } from './pod-tracer.js';

/**
 * Makes @opentelemetry/api work for code in this pod: a context manager on AsyncLocalStorage
 * (pod-context-manager.ts) and the pod's tracer (pod-tracer.ts), registered in the API's global slot. A function's own bundled
 * copy of @opentelemetry/api finds them there when its version is this one's or older (1.x).
 * Registering costs a few object allocations; the ALS only runs for a traced call.
 * False when something registered first (then a function's spans are that one's business).
 */
export function registerPodTracing(): boolean {
  const manager = new PodContextManager();
  const managed = context.setGlobalContextManager(manager);
  // Its storage hooks every async step while enabled, as the call scopes' does: off between traced calls.
  if (managed) onTracedWorkIdle(() => manager.idle());
  const traced = trace.setGlobalTracerProvider(new PodTracerProvider(currentCallSpans));
  return managed && traced;
}

/**
 * The context a traced call runs in: its active span is the pod's invoke span (sampled) or the
 * caller's span (not), so a span the function starts without naming a parent is invoke's child.
 */
export function callContextOf(invoke: InvokeTrace, tracestate: string | undefined): Context {
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: invoke.caller.traceId,
    spanId: invoke.sampled ? invoke.spanId : invoke.caller.spanId,
    traceFlags: invoke.caller.flags & TraceFlags.SAMPLED,
    isRemote: !invoke.sampled,
    ...(tracestate ? { traceState: createTraceState(tracestate) } : {}),
  });
}

/** Runs `run` in a traced call's context (a no-op before registerPodTracing: the API's default manager). */
export function inCallContext<T>(callContext: Context, run: () => T): T {
  return context.with(callContext, run);
}
