import { Hono } from 'hono';
import { decodeEvent, keyOf, STATE_TOPIC, subjectOf, WRITER_HEADER, type LoggedEvent } from '@tide/core';
import { ApiError } from '../errors.js';
import type { ControlPlaneDeps } from '../deps.js';
import { podChain, type ChainStep, type JudgedEvent } from '../core/pod-chain.js';
import { checkName } from './resources.js';

/** A function's explanation covers this many of its pods (the newest), so one request stays small. */
const PODS_EXPLAINED = 10;
const POD_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Why pods are as they are (`tide explain pod`, `tide describe function`): each pod's chain of
 * events from the state log, from the decision that asked for it to now. The log is read from the
 * oldest record it holds to the state's offset: history it no longer holds cannot be told.
 */
export function explainRoutes(deps: ControlPlaneDeps) {
  const app = new Hono();
  app.get('/namespaces/:ns/pods/:name/explain', async (c) => {
    const ns = checkName('namespace', c.req.param('ns'));
    const name = c.req.param('name');
    if (!POD_NAME.test(name) || name.length > 253)
      throw new ApiError(400, 'BadRequest', `pod name "${name.slice(0, 80)}" is invalid: lower-case letters, digits and -`, [
        { field: 'name', message: 'not a pod name' },
      ]);
    const pod = deps.store.state().pods.get(keyOf(ns, name));
    const [chain] = await chainsOf(deps, [`pods/${ns}/${name}`]);
    if (!pod && chain!.length === 0) throw new ApiError(404, 'NotFound', `pod ${ns}/${name} not found: no event in the log names it`);
    return c.json({ kind: 'PodExplanation', namespace: ns, name, phase: pod?.status.phase ?? 'Removed', node: pod?.spec.node, steps: chain });
  });
  app.get('/namespaces/:ns/functions/:name/explain', async (c) => {
    const ns = checkName('namespace', c.req.param('ns'));
    const name = checkName('name', c.req.param('name'));
    const state = deps.store.state();
    if (!state.functions.has(keyOf(ns, name))) throw new ApiError(404, 'NotFound', `function ${ns}/${name} not found`);
    const pods = [...state.pods.values()]
      .filter((p) => p.metadata.namespace === ns && p.spec.function === name)
      .sort((a, b) => b.metadata.creationTimestamp.localeCompare(a.metadata.creationTimestamp))
      .slice(0, PODS_EXPLAINED);
    const chains = await chainsOf(
      deps,
      pods.map((p) => `pods/${ns}/${p.metadata.name}`),
    );
    const items = pods.map((p, i) => ({ name: p.metadata.name, phase: p.status.phase, node: p.spec.node, steps: chains[i] }));
    return c.json({ kind: 'FunctionExplanation', namespace: ns, name, pods: items });
  });
  return app;
}

/** One chain per subject (`pods/ns/name`), from one pass over the state log. */
async function chainsOf(deps: ControlPlaneDeps, subjects: readonly string[]): Promise<ChainStep[][]> {
  const wanted = new Map(subjects.map((s) => [s, [] as JudgedEvent[]]));
  if (wanted.size === 0) return [];
  const head = deps.store.state().offset;
  for await (const record of deps.log.read(STATE_TOPIC, 0, { follow: false })) {
    if (record.offset > head) break;
    const decoded = decodeEvent(record.offset, record.value, record.headers[WRITER_HEADER]);
    if (!decoded.ok) continue;
    wanted.get(subjectOf(decoded.event))?.push(await judged(deps, decoded.event));
  }
  return Promise.all(
    subjects.map(async (subject) => {
      const events = wanted.get(subject)!;
      const created = events.findLast((e) => e.event.type === 'PodCreated' && e.accepted !== false)?.event;
      const causeOffset = created?.type === 'PodCreated' ? created.data.causeOffset : undefined;
      return podChain(events, causeOffset === undefined ? undefined : await eventAt(deps, causeOffset));
    }),
  );
}

async function eventAt(deps: ControlPlaneDeps, offset: number): Promise<JudgedEvent | undefined> {
  for await (const record of deps.log.read(STATE_TOPIC, offset, { follow: false })) {
    const decoded = decodeEvent(record.offset, record.value, record.headers[WRITER_HEADER]);
    return record.offset === offset && decoded.ok ? judged(deps, decoded.event) : undefined;
  }
  return undefined;
}

/** The store keeps the verdicts of the latest events only; an older one's is unknown, not a rejection. */
async function judged(deps: ControlPlaneDeps, event: LoggedEvent): Promise<JudgedEvent> {
  const verdict = await deps.store.waitFor(event.offset);
  const forgotten = !verdict.accepted && /no longer kept/.test(verdict.reason);
  return { event, accepted: forgotten ? undefined : verdict.accepted };
}
