import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStateStore, STATE_TOPIC, type StateStore } from '@tide/core';
import { newestRules } from '@tide/core/testing';
import { createMemoryLog, type MemoryLog } from '@tide/log/testing';
import { makeTempDir } from '@tide/testkit/testing';
import { createControlPlaneApp } from './app.js';
import { openArtifactStore } from './adapters/artifact-store.js';
import { ARTIFACTS_TOPIC, replicateArtifacts } from './adapters/replicated-artifacts.js';

// Every write route of the API: bad input gets a 4xx that names the problem, and nothing reaches the log.

const API = '/apis/tide.dev/v1';
const fnPath = `${API}/namespaces/default/functions/hello`;
const triggerPath = `${API}/namespaces/default/triggers/nightly`;
const TOPICS = [STATE_TOPIC, ARTIFACTS_TOPIC, 'tide.metrics'];

let log: MemoryLog;
let store: StateStore;
let app: ReturnType<typeof createControlPlaneApp>;
let dir: Awaited<ReturnType<typeof makeTempDir>>;
let artifacts: Awaited<ReturnType<typeof replicateArtifacts>>;
let digest: string;
let fnVersion: string;
let triggerVersion: string;

const send = (method: string, body?: unknown, contentType = 'application/json'): RequestInit => ({
  method,
  headers: { 'content-type': contentType },
  ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
});
const fn = (name: string, spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) => ({
  apiVersion: 'tide.dev/v1',
  kind: 'Function',
  metadata: { name, ...metadata },
  spec: { source: { artifact: digest }, ...spec },
});
const ns = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'tide.dev/v1', kind: 'Namespace', metadata: { name }, ...extra });
const trigger = (name: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) => ({
  apiVersion: 'tide.dev/v1',
  kind: 'Trigger',
  metadata: { name, ...metadata },
  spec,
});
const cron = (cronSpec: Record<string, unknown>, metadata: Record<string, unknown> = {}) =>
  trigger('nightly', { function: 'report', cron: { schedule: '0 3 * * *', ...cronSpec } }, metadata);
const records = (...list: unknown[]) => ({ records: list });
const base64 = (text: string) => Buffer.from(text).toString('base64');
const endOffsets = () => Promise.all(TOPICS.map((t) => log.endOffset(t)));

beforeEach(async () => {
  dir = await makeTempDir();
  log = createMemoryLog();
  store = await openStateStore({ log });
  await store.append([...newestRules(), { type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } }]);
  artifacts = await replicateArtifacts(await openArtifactStore(dir.path), log);
  app = createControlPlaneApp({ store, log, artifacts, limits: { manifestBytes: 1 << 20, artifactBytes: 1 << 20 } });
  const uploaded = await app.request(`${API}/artifacts`, { method: 'POST', body: 'export default {}' });
  digest = ((await uploaded.json()) as { digest: string }).digest;
  const applied = await app.request(fnPath, send('PUT', fn('hello')));
  expect(applied.status).toBe(201);
  fnVersion = ((await applied.json()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  const nightly = await app.request(triggerPath, send('PUT', cron({})));
  expect(nightly.status).toBe(201);
  triggerVersion = ((await nightly.json()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
});
afterEach(async () => {
  await artifacts.close();
  await store.close();
  await log.close();
  await dir.remove();
});

type Case = [what: string, path: string, init: () => RequestInit, status: number, message: RegExp];

const cases: Case[] = [
  // Preconditions that already fail on the current state: no rejected record, just the answer.
  [
    'a Function apply with a stale resourceVersion',
    fnPath,
    () => send('PUT', fn('hello', { env: { A: '1' } }, { resourceVersion: String(Number(fnVersion) - 1) })),
    409,
    /resourceVersion/,
  ],
  [
    'a Namespace apply with a stale resourceVersion',
    `${API}/namespaces/default`,
    () => send('PUT', ns('default', { metadata: { name: 'default', resourceVersion: '999' } })),
    409,
    /resourceVersion/,
  ],
  [
    'a Function apply with a resourceVersion past any offset',
    fnPath,
    () => send('PUT', fn('hello', {}, { resourceVersion: '99999999999999999999' })),
    422,
    /metadata\.resourceVersion/,
  ],
  [
    'a Function apply with a resourceVersion of a function that does not exist',
    `${API}/namespaces/default/functions/other`,
    () => send('PUT', fn('other', {}, { resourceVersion: '1' })),
    409,
    /not found|no longer exists/,
  ],
  [
    'a Function whose spec.traffic names a revision that does not exist',
    fnPath,
    () => send('PUT', fn('hello', { traffic: [{ revision: 'hello-00009', percent: 100 }] })),
    400,
    /spec\.traffic names revision hello-00009/,
  ],
  ['a rollback of a function with no earlier revision', `${fnPath}/rollback`, () => send('POST'), 404, /no earlier revision/],
  ['a rollback to a revision that does not exist', `${fnPath}/rollback`, () => send('POST', { revision: 'hello-00009' }), 404, /revision hello-00009/],
  // Malformed manifests.
  ['a Namespace with no metadata', `${API}/namespaces/team-b`, () => send('PUT', { apiVersion: 'tide.dev/v1', kind: 'Namespace' }), 422, /metadata/],
  [
    'a Function with no metadata',
    `${API}/namespaces/default/functions/other`,
    () => send('PUT', { apiVersion: 'tide.dev/v1', kind: 'Function', spec: { source: { artifact: digest } } }),
    422,
    /metadata/,
  ],
  [
    'a Namespace with metadata that is not an object',
    `${API}/namespaces/team-b`,
    () => send('PUT', { apiVersion: 'tide.dev/v1', kind: 'Namespace', metadata: 'team-b' }),
    422,
    /metadata/,
  ],
  ['a Namespace with a wrong apiVersion', `${API}/namespaces/team-b`, () => send('PUT', { ...ns('team-b'), apiVersion: 'v1' }), 422, /apiVersion/],
  [
    'a Namespace quota that is not a number',
    `${API}/namespaces/team-b`,
    () => send('PUT', ns('team-b', { spec: { quota: { maxPods: 'many' } } })),
    422,
    /spec\.quota\.maxPods/,
  ],
  ['a Function whose scale.min exceeds scale.max', fnPath, () => send('PUT', fn('hello', { scale: { min: 5, max: 2 } })), 422, /spec\.scale\.min/],
  ['a Function with a negative scale.max', fnPath, () => send('PUT', fn('hello', { scale: { max: -1 } })), 422, /spec\.scale\.max/],
  [
    'a Function in a namespace that does not exist',
    `${API}/namespaces/nowhere/functions/hello`,
    () => send('PUT', fn('hello')),
    404,
    /namespace nowhere not found/,
  ],
  ['a body that is an array', fnPath, () => send('PUT', [fn('hello')]), 400, /must be an object/],
  // Deletes, rollbacks and node commands on things that are not there, or with bad input.
  ['deleting a Namespace that does not exist', `${API}/namespaces/nowhere`, () => send('DELETE'), 404, /namespace nowhere not found/],
  ['deleting a Function that does not exist', `${API}/namespaces/default/functions/nope`, () => send('DELETE'), 404, /function default\/nope not found/],
  [
    'a rollback of a function that does not exist',
    `${API}/namespaces/default/functions/nope/rollback`,
    () => send('POST'),
    404,
    /function default\/nope not found/,
  ],
  ['a rollback to a revision that is not a string', `${fnPath}/rollback`, () => send('POST', { revision: 7 }), 422, /revision/],
  ['a rollback whose body is not an object', `${fnPath}/rollback`, () => send('POST', 'null'), 400, /must be an object/],
  ['a rollback to a revision that is not a valid name', `${fnPath}/rollback`, () => send('POST', { revision: 'Hello_1' }), 422, /revision/],
  ['cordoning a node that does not exist', `${API}/nodes/nowhere/cordon`, () => send('POST'), 404, /node nowhere not found/],
  ['draining a node that does not exist', `${API}/nodes/nowhere/drain`, () => send('POST'), 404, /node nowhere not found/],
  // Triggers.
  ['a Trigger whose cron schedule is not one', triggerPath, () => send('PUT', cron({ schedule: '61 * * * *' })), 422, /spec\.cron\.schedule/],
  ['a Trigger whose cron schedule has a word for a field', triggerPath, () => send('PUT', cron({ schedule: '* * * * nope' })), 422, /spec\.cron\.schedule/],
  [
    'a Trigger whose cron schedule has four fields',
    triggerPath,
    () => send('PUT', cron({ schedule: '0 3 * *' })),
    422,
    /spec\.cron\.schedule: schedule "0 3 \* \*" has 4 fields: give five/,
  ],
  ['a Trigger whose time zone is not an IANA zone', triggerPath, () => send('PUT', cron({ timeZone: 'Mars/Olympus' })), 422, /spec\.cron\.timeZone/],
  ['a Trigger with neither kafka nor cron', triggerPath, () => send('PUT', trigger('nightly', { function: 'report' })), 422, /spec\.kafka: give exactly one/],
  [
    'a Trigger on a platform topic',
    `${API}/namespaces/default/triggers/orders`,
    () => send('PUT', trigger('orders', { function: 'reserve', kafka: { topics: ['tide.state'] } })),
    422,
    /spec\.kafka\.topics\.0/,
  ],
  [
    'a Trigger whose function is not a name',
    triggerPath,
    () => send('PUT', trigger('nightly', { function: 'Report!', cron: { schedule: '0 3 * * *' } })),
    422,
    /spec\.function/,
  ],
  [
    'a Trigger apply with a stale resourceVersion',
    triggerPath,
    () => send('PUT', cron({}, { resourceVersion: String(Number(triggerVersion) - 1) })),
    409,
    /resourceVersion/,
  ],
  [
    'a Trigger apply with a resourceVersion of a trigger that does not exist',
    `${API}/namespaces/default/triggers/other`,
    () => send('PUT', trigger('other', { function: 'report', cron: { schedule: '0 3 * * *' } }, { resourceVersion: '1' })),
    409,
    /not found|no longer exists/,
  ],
  [
    'a Trigger in a namespace that does not exist',
    `${API}/namespaces/nowhere/triggers/nightly`,
    () => send('PUT', cron({})),
    404,
    /namespace nowhere not found/,
  ],
  ['a Function manifest sent to a trigger path', triggerPath, () => send('PUT', fn('nightly')), 400, /kind "Function" cannot be applied at \/triggers/],
  [
    'a Trigger whose metadata.name differs from the path',
    triggerPath,
    () => send('PUT', trigger('other', { function: 'f', cron: { schedule: '0 3 * * *' } })),
    400,
    /metadata\.name/,
  ],
  ['a Trigger POST that already exists', `${API}/namespaces/default/triggers`, () => send('POST', cron({})), 409, /already exists/],
  ['a Trigger POST without metadata.name', `${API}/namespaces/default/triggers`, () => send('POST', { ...cron({}), metadata: {} }), 422, /metadata\.name/],
  ['deleting a Trigger that does not exist', `${API}/namespaces/default/triggers/nope`, () => send('DELETE'), 404, /trigger default\/nope not found/],
  // The log API.
  [
    'a log record header that is not a string',
    `${API}/log/tide.metrics`,
    () => send('POST', records({ value: base64('{}'), headers: { n: 1 } })),
    422,
    /records\.0\.headers\.n/,
  ],
  [
    'log record headers that are not an object',
    `${API}/log/tide.metrics`,
    () => send('POST', records({ value: base64('{}'), headers: ['a'] })),
    422,
    /records\.0\.headers/,
  ],
  ['a log record key that is not a string', `${API}/log/tide.metrics`, () => send('POST', records({ value: base64('{}'), key: 5 })), 422, /records\.0\.key/],
  [
    'a log record value that is not base64',
    `${API}/log/tide.metrics`,
    () => send('POST', records({ value: base64('{}') }, { value: 'not base64!' })),
    422,
    /records\.1\.value/,
  ],
  ['a log record that is not an object', `${API}/log/tide.metrics`, () => send('POST', records(42)), 422, /records\.0/],
  ['a log body that is not JSON', `${API}/log/tide.metrics`, () => send('POST', '{"records": ['), 422, /records/],
  [
    'a state record that is not an event',
    `${API}/log/tide.state`,
    () => send('POST', records({ value: base64('{"type":"Nope","data":{}}') })),
    422,
    /records\.0\.value/,
  ],
  [
    'a state record whose event fails its schema',
    `${API}/log/tide.state`,
    () =>
      send(
        'POST',
        records({
          value: base64(
            JSON.stringify({
              type: 'ScaleSet',
              id: 'event-12345',
              time: '2026-01-01T00:00:00Z',
              data: { namespace: 'default', name: 'hello', from: 1, to: -1, reason: 'x' },
            }),
          ),
        }),
      ),
    422,
    /records\.0\.value.*data\.to/,
  ],
  ['a state record that is not JSON', `${API}/log/tide.state`, () => send('POST', records({ value: base64('hello') })), 422, /records\.0\.value/],
  // Artifacts.
  ['an empty artifact', `${API}/artifacts`, () => ({ method: 'POST', body: '' }), 400, /empty/],
];

describe('every write route', () => {
  it.each(cases)('rejects %s with a 4xx naming the problem, and appends nothing', async (_what, path, init, status, message) => {
    const before = await endOffsets();
    const res = await app.request(path, init());
    const body = (await res.json()) as { message: string };
    expect({ status: res.status, message: body.message }).toEqual({ status, message: expect.stringMatching(message) });
    expect(await endOffsets()).toEqual(before);
  });

  it('still lets the fold judge a true race: two applies on one resourceVersion, one wins', async () => {
    const put = (value: string) => app.request(fnPath, send('PUT', fn('hello', { env: { A: value } }, { resourceVersion: fnVersion })));
    const [a, b] = await Promise.all([put('1'), put('2')]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
  });

  it('accepts well-formed log records, with string headers and keys', async () => {
    const res = await app.request(`${API}/log/tide.metrics`, send('POST', records({ value: base64('{}'), key: 'k', headers: { traceparent: '00-1-2-01' } })));
    expect(res.status).toBe(200);
    expect(await log.endOffset('tide.metrics')).toBe(1);
  });
});
