import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { z } from 'zod';
import { request } from 'undici';
import { startControlPlane, type RunningControlPlane } from '@tide/control-plane';
import {
  decodeEvent,
  encodeEvent,
  encodeSnapshot,
  EventEnvelope,
  Namespace,
  openStateStore,
  Pod,
  Revision,
  Secret,
  STATE_TOPIC,
  TideFunction,
  TideNode,
  Trigger,
  type EventEnvelope as Envelope,
} from '@tide/core';
import { openEmbeddedLog } from '@tide/log';
import { makeTempDir } from '@tide/testkit/testing';
import { arbitraryOf, type JsonSchema } from './schema-arbitrary.js';

/**
 * Issue 12, acceptance 4: requests generated from /openapi.json, per route × method (valid bodies
 * from the schemas, and wrong types, missing and extra fields, boundaries, huge and deeply nested
 * bodies, invalid UTF-8, wrong content types, bad path parameters), against a control plane on an
 * embedded log. No answer may be 5xx; afterwards the log must fold again to the same state, every
 * record of the state stream must be an event, and every resource in the state must be valid.
 */
const PER_OPERATION = Number(process.env.FUZZ_PER_OPERATION ?? 230);
const SEED = Number(process.env.FUZZ_SEED ?? 1212);
const CONCURRENCY = 8;
/** Served by the gateway: described in the same document, not by the control plane. */
const GATEWAY_PATH = /^\/(fn|async)\//;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

interface Operation {
  method: string;
  path: string;
  parameters: { name: string; in: string; schema?: JsonSchema }[];
  body?: { contentTypes: string[]; schema?: JsonSchema };
}
interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** What kind of case this is, for the report. */
  flavour: string;
}

let dir: Awaited<ReturnType<typeof makeTempDir>>;
let controlPlane: RunningControlPlane;
let api: string;
let digest: string;
const lines: string[] = [];
/** Every API route needs a token: a cluster admin's for the API, a component's for the raw log. */
let adminAuth: Record<string, string>;
let componentAuth: Record<string, string>;

beforeAll(async () => {
  dir = await makeTempDir('tide-fuzz-');
  controlPlane = await startControlPlane({
    log: { source: { kind: 'embedded', dataDir: dir.path } },
    dataDir: dir.path,
    listen: { port: 0, host: '127.0.0.1' },
    nodeGraceSeconds: 10,
    report: (line) => lines.push(line),
  });
  api = controlPlane.url!;
  adminAuth = { authorization: `Bearer ${controlPlane.adminToken}` };
  // The raw log is for Tide's components: its routes are fuzzed with a triggers process's token.
  const made = await request(`${api}/apis/tide.dev/v1/tokens`, {
    method: 'POST',
    headers: { ...adminAuth, 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'tide.dev/v1', kind: 'Token', metadata: { name: 'fuzz-triggers' }, spec: { subject: { kind: 'triggers' } } }),
  });
  componentAuth = { authorization: `Bearer ${((await made.body.json()) as { token: string }).token}` };
  const uploaded = await request(`${api}/apis/tide.dev/v1/artifacts`, {
    method: 'POST',
    headers: adminAuth,
    body: 'export default { fetch: () => new Response("hi") }',
  });
  digest = ((await uploaded.body.json()) as { digest: string }).digest;
  const fn = { apiVersion: 'tide.dev/v1', kind: 'Function', metadata: { name: 'hello' }, spec: { source: { artifact: digest } } };
  const applied = await request(`${api}/apis/tide.dev/v1/namespaces/default/functions/hello`, {
    method: 'PUT',
    headers: { ...adminAuth, 'content-type': 'application/json' },
    body: JSON.stringify(fn),
  });
  expect(applied.statusCode).toBe(201);
  await applied.body.dump();
}, 60_000);

afterAll(async () => {
  await controlPlane?.stop();
  await dir?.remove();
});

/** The document's operations the control plane serves. */
function operationsOf(document: { paths: Record<string, Record<string, unknown>> }): Operation[] {
  return Object.entries(document.paths)
    .filter(([path]) => !GATEWAY_PATH.test(path))
    .flatMap(([path, item]) => {
      const shared = (item.parameters ?? []) as Operation['parameters'];
      return METHODS.filter((m) => item[m]).map((method) => {
        const op = item[method] as { parameters?: Operation['parameters']; requestBody?: { content: Record<string, { schema?: JsonSchema }> } };
        const content = op.requestBody?.content;
        return {
          method: method.toUpperCase(),
          path,
          parameters: [...shared, ...(op.parameters ?? [])],
          ...(content ? { body: { contentTypes: Object.keys(content), schema: Object.values(content)[0]?.schema } } : {}),
        };
      });
    });
}

const BAD_SEGMENTS = [
  '',
  'UPPER',
  'a'.repeat(300),
  '-x',
  'x-',
  '..',
  '%2e%2e',
  '%00',
  '%FF%FE',
  '%E0%80',
  '%',
  '%zz',
  'a%2Fb',
  '%F0%9F%92%A9',
  'a b',
  'ü',
  "'",
  '<script>',
];

/** A path parameter: mostly names that exist or could, then names no route may accept. */
function segment(name: string): fc.Arbitrary<string> {
  const good: Record<string, string[]> = {
    ns: ['default', 'fuzz', 'kube-system'],
    name: ['hello', 'fuzz', 'hello-00001', 'default'],
    topic: ['tide.state', 'tide.leases', 'tide.metrics', 'tide.kv', 'tide.triggers', 'orders', 'bus.default.orders.0', 'nope'],
    group: ['g', 'fuzz-group', 'a'.repeat(300)],
    id: ['00000000-0000-4000-8000-000000000000', 'x'],
    digest: [],
  };
  const valid = name === 'digest' ? fc.constant(digest) : fc.constantFrom(...(good[name] ?? ['x']));
  const random = fc.string({ maxLength: 40, unit: 'grapheme' }).map(encodeURIComponent);
  return fc.oneof({ arbitrary: valid, weight: 6 }, { arbitrary: fc.constantFrom(...BAD_SEGMENTS), weight: 2 }, { arbitrary: random, weight: 1 });
}

const query = (schema: JsonSchema | undefined): fc.Arbitrary<string> =>
  fc.oneof(
    arbitraryOf(schema ?? {}, () => ({})).map((v) => String(v)),
    fc.constantFrom('', '-1', '1e99', '9007199254740993', 'true', 'NaN', 'a=b,c!=d', '!!!', 'x'.repeat(5000), '%FF'),
    fc.string({ maxLength: 20 }),
  );

/** JSON nested `depth` deep, as arrays or objects. */
const deeplyNested = (depth: number, objects: boolean) => (objects ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : '['.repeat(depth) + ']'.repeat(depth));
/** A JSON body with bytes that are not UTF-8 inside its strings. */
const invalidUtf8 = (json: string) => {
  const at = Math.max(1, json.indexOf('"') + 1);
  return Buffer.concat([Buffer.from(json.slice(0, at)), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82]), Buffer.from(json.slice(at))]);
};

/** Bodies for an operation: valid from its schema (made to agree with the path), then broken ones. */
function bodies(
  op: Operation,
  pathValues: Record<string, string>,
  resolve: (ref: string) => JsonSchema,
): fc.Arbitrary<{ flavour: string; type: string; body?: Buffer }> {
  const schema = op.body?.schema ?? {};
  const contentType = op.body?.contentTypes[0] ?? 'application/json';
  const valid = arbitraryOf(schema, resolve).map((value) => coherent(op, value, pathValues));
  const json = (flavour: string, arb: fc.Arbitrary<unknown>) =>
    arb.map((v) => ({ flavour, type: contentType, body: Buffer.from(JSON.stringify(v) ?? 'null') }));
  const mutated = fc
    .tuple(valid, fc.nat(), fc.jsonValue({ maxDepth: 3 }), fc.constantFrom('drop', 'replace', 'extra'))
    .map(([v, pick, other, how]) => mutate(v, pick, other, how));
  return fc.oneof(
    { arbitrary: json('valid', valid), weight: 5 },
    { arbitrary: json('mutated', mutated), weight: 5 },
    { arbitrary: json('random-json', fc.jsonValue({ maxDepth: 4 })), weight: 2 },
    {
      arbitrary: fc
        .constantFrom(...['', '{', 'null', '[]', '"x"', '1e400', '{"records":', '\u0000'])
        .map((t) => ({ flavour: 'boundary', type: contentType, body: Buffer.from(t) })),
      weight: 2,
    },
    {
      arbitrary: fc
        .constantFrom(2 * 1024 * 1024, 200_000)
        .map((n) => ({ flavour: 'huge', type: contentType, body: Buffer.from(JSON.stringify({ metadata: { name: 'x'.repeat(n) } })) })),
      weight: 1,
    },
    {
      arbitrary: fc
        .tuple(fc.constantFrom(1_000, 20_000, 200_000), fc.boolean())
        .map(([d, o]) => ({ flavour: 'deep', type: contentType, body: Buffer.from(deeplyNested(d, o)) })),
      weight: 1,
    },
    {
      arbitrary: fc
        .constantFrom(1_000, 20_000)
        .map((d) => ({ flavour: 'deep-yaml', type: 'application/yaml', body: Buffer.from(`a: ${'['.repeat(d)}${']'.repeat(d)}`) })),
      weight: 1,
    },
    // Block nesting grows as the square of its depth: 1 000 levels are already half a megabyte.
    {
      arbitrary: fc.constantFrom(300, 1_000).map((d) => ({
        flavour: 'deep-yaml',
        type: 'application/yaml',
        body: Buffer.from(`a:\n${Array.from({ length: d }, (_, i) => `${' '.repeat(i + 1)}- `).join('\n')}x`),
      })),
      weight: 1,
    },
    { arbitrary: valid.map((v) => ({ flavour: 'invalid-utf8', type: contentType, body: invalidUtf8(JSON.stringify(v) ?? '{}') })), weight: 2 },
    {
      arbitrary: fc
        .tuple(
          valid,
          fc.constantFrom(
            'text/plain',
            'application/xml',
            'multipart/form-data',
            'application/x-www-form-urlencoded',
            '',
            'application/json; charset=latin1',
            'application/yaml',
          ),
        )
        .map(([v, type]) => ({ flavour: 'content-type', type, body: Buffer.from(JSON.stringify(v) ?? '') })),
      weight: 2,
    },
    { arbitrary: fc.constant({ flavour: 'no-body', type: contentType }), weight: 1 },
  );
}

/** A generated manifest or record made to agree with the request it is sent in, so that some get through. */
function coherent(op: Operation, value: unknown, path: Record<string, string>): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const v = structuredClone(value) as Record<string, unknown>;
  const metadata = v.metadata as Record<string, unknown> | undefined;
  if (metadata && typeof metadata === 'object') {
    if (path.name) metadata.name = path.name;
    else if (op.path.endsWith('/triggers')) metadata.name = 'fuzz-trigger';
    if (path.ns) metadata.namespace = path.ns;
    delete metadata.resourceVersion;
  }
  const spec = v.spec as { source?: { artifact?: unknown } } | undefined;
  if (spec?.source && typeof spec.source === 'object') spec.source.artifact = digest;
  if (Array.isArray(v.records) && op.path.startsWith('/apis/tide.dev/v1/log/')) {
    v.records = v.records.map((r: unknown, i: number) => (path.topic === STATE_TOPIC && i % 2 === 0 ? { value: validEventBase64(i) } : r));
  }
  return v;
}

const envelopeSchema = z.toJSONSchema(EventEnvelope, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
const envelopes = fc.sample(
  arbitraryOf(envelopeSchema, (ref) => resolveIn(envelopeSchema, ref)),
  { numRuns: 500, seed: SEED },
) as Envelope[];
/** An event as a writer would append it through the log API: from the event schema, often refused by the fold's judgement. */
function validEventBase64(i: number): string {
  const envelope = { ...envelopes[i % envelopes.length]!, id: `fuzz-${i}-${Math.random().toString(36).slice(2)}`, time: new Date().toISOString() };
  return Buffer.from(encodeEvent(envelope)).toString('base64');
}

function mutate(value: unknown, pick: number, other: unknown, how: string): unknown {
  if (!value || typeof value !== 'object') return other;
  const v = structuredClone(value) as Record<string, unknown>;
  // Walk down to a random object inside, then break one of its fields.
  let target: Record<string, unknown> = v;
  for (let step = 0; step < 4; step++) {
    const inner = Object.values(target).filter((x) => x && typeof x === 'object') as Record<string, unknown>[];
    if (inner.length === 0 || (pick >> step) % 3 === 0) break;
    target = inner[(pick >> (step + 2)) % inner.length]!;
  }
  const keys = Object.keys(target);
  const key = keys.length ? keys[pick % keys.length]! : 'extra';
  if (how === 'drop') delete target[key];
  else if (how === 'replace') target[key] = other;
  else target[`extra${pick % 7}`] = other;
  return v;
}

function resolveIn(document: Record<string, unknown>, ref: string): JsonSchema {
  let at: unknown = document;
  for (const part of ref.replace(/^#\//, '').split('/')) at = (at as Record<string, unknown>)[part];
  return (at ?? {}) as JsonSchema;
}

function requestsFor(op: Operation, resolve: (ref: string) => JsonSchema): fc.Arbitrary<FuzzRequest> {
  const pathNames = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const pathArb = fc.tuple(...pathNames.map(segment)).map((values) => Object.fromEntries(pathNames.map((n, i) => [n, values[i]!])));
  const queryArb = fc.tuple(
    ...queryParams.map((p) => fc.option(query(p.schema), { nil: undefined })),
    fc.option(fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })), { nil: undefined }),
  );
  return fc.tuple(pathArb, queryArb).chain(([path, queries]) => {
    const url =
      op.path.replace(/\{([^}]+)\}/g, (_, n: string) => path[n]!) +
      queryString([
        ...queryParams.map((p, i) => [p.name, queries[i] as string | undefined] as const),
        queries.at(-1) ? (queries.at(-1) as [string, string]) : ['', undefined],
      ]);
    const decoded = Object.fromEntries(Object.entries(path).map(([k, v]) => [k, safeDecode(v)]));
    const withBody = op.body
      ? bodies(op, decoded, resolve)
      : fc.oneof(
          { arbitrary: fc.constant({ flavour: 'plain', type: '' } as { flavour: string; type: string; body?: Buffer }), weight: 9 },
          { arbitrary: fc.constant({ flavour: 'unexpected-body', type: 'application/json', body: Buffer.from('{"x":1}') }), weight: 1 },
        );
    return withBody.map(({ flavour, type, body }) => ({
      method: op.method,
      path: url,
      headers: { ...(type ? { 'content-type': type } : {}) },
      ...(body ? { body } : {}),
      flavour: BAD_SEGMENTS.some((s) => Object.values(path).includes(s)) ? `${flavour}+bad-path` : flavour,
    }));
  });
}

const safeDecode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};
const queryString = (pairs: readonly (readonly [string, string | undefined])[]) => {
  const present = pairs.filter(([k, v]) => k && v !== undefined);
  return present.length ? `?${present.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v!)}`).join('&')}` : '';
};

interface Outcome {
  status: number | 'client-error';
  request: FuzzRequest;
  body: string;
}

/** Sends one request; streams (watch, follow, SSE, NDJSON) are cut after their headers. */
async function send(r: FuzzRequest): Promise<Outcome> {
  try {
    const res = await request(`${api}${r.path}`, {
      method: r.method as 'GET',
      headers: { ...(r.path.startsWith('/apis/tide.dev/v1/log/') ? componentAuth : adminAuth), ...r.headers },
      ...(r.body ? { body: r.body } : {}),
      // A connection of its own: a server that closes one after a refused body must not fail the next request.
      reset: true,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    // Cutting a stream aborts its body, which must not surface as an unhandled error.
    res.body.on('error', () => undefined);
    const type = String(res.headers['content-type'] ?? '');
    if (res.statusCode < 500 && (type.includes('event-stream') || type.includes('ndjson') || r.path.includes('follow=') || r.path.includes('watch='))) {
      res.body.destroy();
      return { status: res.statusCode, request: r, body: '' };
    }
    let text = '';
    for await (const chunk of res.body) {
      text += String(chunk);
      if (text.length > 64 * 1024) {
        res.body.destroy();
        break;
      }
    }
    return { status: res.statusCode, request: r, body: text };
  } catch (error) {
    // The client refused to send it (a header undici will not write) or the server cut the connection.
    return { status: 'client-error', request: r, body: (error as Error).message };
  }
}

describe('API fuzzing from /openapi.json', () => {
  it(`answers ${PER_OPERATION} generated requests per route × method without a 5xx, and leaves a log that folds again to a valid state`, async () => {
    const document = (await (await request(`${api}/openapi.json`)).body.json()) as { paths: Record<string, Record<string, unknown>> };
    const resolve = (ref: string) => resolveIn(document, ref);
    const operations = operationsOf(document);
    expect(operations.length).toBeGreaterThan(30);
    const perOperation = operations.map((op) => fc.sample(requestsFor(op, resolve), { numRuns: PER_OPERATION, seed: SEED }));
    // Interleaved, so writes and reads of every route race each other.
    const all = Array.from({ length: PER_OPERATION }, (_, i) => perOperation.map((list) => list[i]!)).flat();
    const outcomes: Outcome[] = [];
    let next = 0;
    // An error after the status was sent (a stream that broke) shows only on the server's stderr.
    const serverErrors: string[] = [];
    const consoleError = console.error;
    console.error = (...args: unknown[]) =>
      void serverErrors.push(
        args
          .map((a) => (a instanceof Error ? a.stack : String(a)))
          .join(' ')
          .slice(0, 500),
      );
    const trace = process.env.FUZZ_TRACE;
    try {
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < all.length) {
            const i = next++;
            if (trace)
              appendFileSync(
                trace,
                `start ${i} ${all[i]!.method} ${all[i]!.path.slice(0, 300)} [${all[i]!.flavour}] ${all[i]!.headers['content-type'] ?? ''} ${all[i]!.body?.subarray(0, 300).toString('hex') ?? ''}\n`,
              );
            outcomes.push(await send(all[i]!));
            if (trace) appendFileSync(trace, `end ${i}\n`);
          }
        }),
      );
    } finally {
      console.error = consoleError;
    }

    const byClass: Record<string, number> = {};
    const byFlavour: Record<string, Record<string, number>> = {};
    for (const o of outcomes) {
      const cls = typeof o.status === 'number' ? `${Math.floor(o.status / 100)}xx` : o.status;
      byClass[cls] = (byClass[cls] ?? 0) + 1;
      const f = (byFlavour[o.request.flavour] ??= {});
      f[cls] = (f[cls] ?? 0) + 1;
    }
    console.log(`api fuzz (seed ${SEED}): ${outcomes.length} requests over ${operations.length} operations`, byClass, byFlavour);
    const failures = outcomes
      .filter((o) => typeof o.status === 'number' && o.status >= 500)
      .map(
        (o) =>
          `${o.status} ${o.request.method} ${o.request.path.slice(0, 120)} [${o.request.flavour}] body=${o.request.body?.subarray(0, 120).toString()} -> ${o.body.slice(0, 300)}`,
      );
    expect(outcomes.length).toBe(all.length);
    // Acceptance asks for 10 000 at least; FUZZ_PER_OPERATION makes a quicker run while debugging.
    if (!process.env.FUZZ_PER_OPERATION) expect(all.length).toBeGreaterThanOrEqual(10_000);
    expect(failures.slice(0, 20)).toEqual([]);
    expect(serverErrors.slice(0, 5)).toEqual([]);
    // The server cut no connection it had taken (a crash or a hang would).
    expect(
      outcomes
        .filter((o) => o.status === 'client-error')
        .map((o) => `${o.request.method} ${o.request.path.slice(0, 80)}: ${o.body}`)
        .slice(0, 10),
    ).toEqual([]);
    const health = await request(`${api}/healthz`);
    expect(health.statusCode).toBe(200);
    await health.body.dump();

    // Every record of the state stream is an event, and the fold of the log from scratch is the live state.
    await controlPlane.stop();
    const live = controlPlane.state.store.state();
    const log = await openEmbeddedLog(join(dir.path, 'log'), { fsync: false });
    try {
      const end = await log.endOffset(STATE_TOPIC);
      const undecodable: string[] = [];
      for await (const record of log.read(STATE_TOPIC, 0, { follow: false })) {
        const decoded = decodeEvent(record.offset, record.value);
        if (!decoded.ok) undecodable.push(`${record.offset}: ${decoded.reason}`);
      }
      expect(undecodable).toEqual([]);
      const store = await openStateStore({ log });
      try {
        const replayed = store.state();
        expect(replayed.offset).toBe(live.offset);
        expect(end).toBe(live.offset + 1);
        expect(replayed.halted).toBeUndefined();
        expect(Buffer.from(encodeSnapshot(replayed)).equals(Buffer.from(encodeSnapshot(live)))).toBe(true);
        const invalid: string[] = [];
        const check = (what: string, schema: z.ZodType, items: Iterable<unknown>) => {
          for (const item of items) {
            const parsed = schema.safeParse(item);
            if (!parsed.success) invalid.push(`${what}: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
          }
        };
        check('namespace', Namespace, replayed.namespaces.values());
        check('function', TideFunction, replayed.functions.values());
        check('revision', Revision, replayed.revisions.values());
        check('pod', Pod, replayed.pods.values());
        check('trigger', Trigger, replayed.triggers.values());
        check('node', TideNode, replayed.nodes.values());
        check('secret', Secret, replayed.secrets.values());
        expect(invalid.slice(0, 10)).toEqual([]);
      } finally {
        await store.close();
      }
    } finally {
      await log.close();
    }
  }, 240_000);
});
