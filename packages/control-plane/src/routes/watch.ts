import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { decodeEvent, STATE_TOPIC, subjectOf, type LoggedEvent, type Verdict } from '@tide/core';
import { ApiError } from '../errors.js';
import type { ControlPlaneDeps } from '../deps.js';
import { seesEvent, shownEvent } from '../auth/visibility.js';

const KIND_OF_COLLECTION: Record<string, string> = { namespaces: 'Namespace', functions: 'Function', pods: 'Pod', nodes: 'Node', triggers: 'Trigger' };
const HEARTBEAT_MS = 15_000;

/** The kinds an event concerns: a Function event also concerns its Revisions. */
function kindsOf(event: LoggedEvent): string[] {
  const kind = KIND_OF_COLLECTION[subjectOf(event).split('/')[0]!]!;
  return kind === 'Function' ? ['Function', 'Revision'] : [kind];
}

function namespaceOf(event: LoggedEvent): string | undefined {
  const parts = subjectOf(event).split('/');
  return parts.length === 3 ? parts[1] : undefined;
}

/**
 * Server-sent events of every change after `resourceVersion` (a log offset): history is read from
 * the log, then live events follow with no gap and no repeat. `kinds` empty = every event. Only
 * events the caller may see are sent (a namespaced token watching cluster-wide sees its
 * namespaces), redacted as it must see them.
 */
export function watchResponse(c: Context, deps: ControlPlaneDeps, kinds: string[], namespace?: string) {
  const raw = c.req.query('resourceVersion');
  if (raw !== undefined && raw !== '' && !/^\d+$/.test(raw)) {
    throw new ApiError(400, 'BadRequest', `resourceVersion "${raw.slice(0, 40)}" must be a decimal log offset`, [
      { field: 'resourceVersion', message: 'must be a decimal log offset' },
    ]);
  }
  const principal = c.get('principal');
  const visible = seesEvent(principal);
  const wants = (event: LoggedEvent) =>
    visible(event) && (kinds.length === 0 || kindsOf(event).some((k) => kinds.includes(k))) && (!namespace || namespaceOf(event) === namespace);

  return streamSSE(c, async (stream) => {
    const live: { event: LoggedEvent; verdict: Verdict }[] = [];
    let wake: (() => void) | undefined;
    const unsubscribe = deps.store.subscribe((event, verdict) => {
      if (event && wants(event)) live.push({ event, verdict });
      wake?.();
    });
    // Offsets a watcher holds mean nothing in a log that lost its history: end the watch, as
    // Kubernetes answers 410 Gone, so the client lists again.
    let lost: Error | undefined;
    const unsubscribeReset = deps.store.onReset((reason) => {
      lost = reason;
      wake?.();
    });
    stream.onAbort(() => {
      unsubscribe();
      unsubscribeReset();
      wake?.();
    });
    const send = (event: LoggedEvent, verdict: Verdict) =>
      stream.writeSSE({ event: event.type, id: String(event.offset), data: JSON.stringify({ ...shownEvent(principal, event), verdict }) });

    const head = deps.store.state().offset;
    // sendInitialEvents=true (Kubernetes' name) without a resourceVersion: the whole history the log holds.
    const fromStart = c.req.query('sendInitialEvents') === 'true' && (raw === undefined || raw === '');
    let sent = fromStart ? -1 : raw === undefined || raw === '' ? head : Number(raw);
    if (sent < head) {
      for await (const record of deps.log.read(STATE_TOPIC, sent + 1, { follow: false })) {
        if (record.offset > head || stream.aborted) break;
        const decoded = decodeEvent(record.offset, record.value);
        if (decoded.ok && wants(decoded.event)) await send(decoded.event, await deps.store.waitFor(record.offset));
        sent = record.offset;
      }
    }
    sent = Math.max(sent, head);
    while (!stream.aborted && !lost) {
      while (live.length) {
        const next = live.shift()!;
        if (next.event.offset > sent) {
          await send(next.event, next.verdict);
          sent = next.event.offset;
        }
      }
      const heartbeat = new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, HEARTBEAT_MS).unref();
      });
      await heartbeat;
      if (!live.length && !stream.aborted && !lost) await stream.write(': keep-alive\n\n');
    }
    if (lost && !stream.aborted) {
      const gone = new ApiError(410, 'Expired', `${lost.message.split(';')[0]}: list again and watch from the new resourceVersion`);
      await stream.writeSSE({ event: 'ERROR', data: JSON.stringify(gone.toStatus()) });
    }
    unsubscribe();
    unsubscribeReset();
  });
}
