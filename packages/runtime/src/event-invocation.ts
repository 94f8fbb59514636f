import { createMessageBatch, createScheduledController, EventBodyError, parseQueueEvent, parseScheduledEvent } from './function-events.js';
import type { FetchHandler, FunctionHandlers } from './function-handler.js';
import { describeError, logError, textResponse } from './invoke-function.js';

/**
 * Header with which the platform (a cron or queue trigger) calls a module's `scheduled` or `queue`
 * handler instead of `fetch`. The gateway must not let callers set it (see README).
 */
export const INVOKE_HEADER = 'tide-invoke';

/**
 * The call that delivers one event, shaped as a fetch handler so it runs under the same timeout,
 * watchdog and drain as any call:
 * - `scheduled`: body `{cron, scheduledTime}` → `scheduled(controller, env, ctx)`; answers 200
 *   `{"outcome":"ok","noRetry":false}` (500 `function threw ...` when it throws).
 * - `queue`: body `{queue, messages: [{id, timestamp, body, attempts}]}` → `queue(batch, env, ctx)`;
 *   answers `{"outcome":"ok"|"exception", acked: [ids], retried: [{id, delaySeconds?}]}`, 200 when
 *   the handler returned, 500 (with `error`) when it threw.
 * A module without the handler: 501 naming it. Another kind or a bad body: 400 naming the field.
 */
export function eventHandler(kind: string, handlers: FunctionHandlers): FetchHandler {
  if (kind === 'scheduled') {
    const { scheduled } = handlers;
    if (!scheduled) return () => lacking('scheduled');
    return async (request, env, ctx) => {
      const event = await readEvent(request, parseScheduledEvent);
      if (event instanceof Response) return event;
      const { controller, noRetry } = createScheduledController(event);
      await scheduled(controller, env, ctx);
      return Response.json({ outcome: 'ok', noRetry: noRetry() });
    };
  }
  if (kind === 'queue') {
    const { queue } = handlers;
    if (!queue) return () => lacking('queue');
    return async (request, env, ctx) => {
      const event = await readEvent(request, parseQueueEvent);
      if (event instanceof Response) return event;
      const { batch, outcome } = createMessageBatch(event);
      try {
        await queue(batch, env, ctx);
      } catch (error) {
        logError(ctx.requestId, error);
        return Response.json({ outcome: 'exception', error: `function threw ${describeError(error)}`, ...outcome(false) }, { status: 500 });
      }
      return Response.json({ outcome: 'ok', ...outcome(true) });
    };
  }
  return () => textResponse(400, `${INVOKE_HEADER} must be "scheduled" or "queue", not ${JSON.stringify(kind)}`);
}

/** The answer to a call for a handler the module does not have (also fetch, for an event-only module). */
export function lacking(handler: 'fetch' | 'scheduled' | 'queue'): Response {
  return textResponse(501, `function has no ${handler} handler`);
}

/** A bad body is the platform's mistake: answered 400 naming the field, before the function runs. */
async function readEvent<T>(request: Request, parse: (value: unknown) => T): Promise<T | Response> {
  let value: unknown;
  try {
    value = await request.json();
  } catch {
    return textResponse(400, 'tide-invoke body must be JSON');
  }
  try {
    return parse(value);
  } catch (error) {
    if (error instanceof EventBodyError) return textResponse(400, `tide-invoke body: ${error.message}`);
    throw error;
  }
}
