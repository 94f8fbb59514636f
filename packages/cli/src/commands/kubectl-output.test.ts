import type { FunctionEnv, Revision, TideFunction } from '@tide/core';
import { describe, expect, it } from 'vitest';
import { durationSeconds } from '../cli/flag-values.js';
import { describeEvent, EVENTS_HEADER } from './events.js';
import { functionLabelHint } from './get.js';
import { nameLines, renderTable } from './get-table.js';
import { historyTable, revisionChanges, revisionNamed } from './rollout-history.js';
import { envNames } from './describe.js';

const template = (env: FunctionEnv = {}, memoryMb = 128): Omit<Revision['spec'], 'function' | 'number'> => ({
  source: { artifact: `sha256:${'a'.repeat(64)}` },
  env,
  resources: { memoryMb, cpuMilli: 100 },
  concurrency: 50,
  timeoutSeconds: 30,
  nodeSelector: {},
  tolerations: [],
  probes: {},
  terminationGracePeriodSeconds: 30,
});
const revision = (number: number, spec = template()): Revision => ({
  apiVersion: 'tide.dev/v1',
  kind: 'Revision',
  metadata: {
    name: `hello-0000${number}`,
    namespace: 'default',
    labels: {},
    annotations: {},
    uid: 'u',
    resourceVersion: String(number),
    generation: 1,
    creationTimestamp: `2026-12-07T01:0${number}:00.000Z`,
  },
  spec: { ...spec, function: 'hello', number },
});
const fn = (namespace: string, name: string, serving = 'hello-00002') =>
  ({
    apiVersion: 'tide.dev/v1',
    kind: 'Function',
    metadata: { name, namespace, labels: {}, annotations: {}, uid: 'u', resourceVersion: '9', generation: 1, creationTimestamp: new Date().toISOString() },
    spec: { scale: { min: 0, max: 3 } },
    status: { latestRevision: serving, revisionCount: 3, desiredReplicas: 0, recentScales: [], traffic: [{ revision: serving, percent: 100 }] },
  }) as unknown as TideFunction;

describe('tide get output', () => {
  it('-o name prints TYPE/NAME lines', () => {
    expect(nameLines('functions', [fn('default', 'hello'), fn('default', 'echo')])).toEqual(['function/hello', 'function/echo']);
    expect(nameLines('nodes', [{ metadata: { name: 'node-1' } }])).toEqual(['node/node-1']);
  });

  it('-A puts a NAMESPACE column first', () => {
    const lines = renderTable('functions', [fn('default', 'hello'), fn('team-a', 'web')], { format: 'table', allNamespaces: true }).split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE\s+NAME\s+REVISION\s+READY/);
    expect(lines[2]).toMatch(/^team-a\s+web\s+hello-00002\s+0\/0\s+0\s+0\.\.3\s+ScaledToZero/);
  });

  it('has no NAMESPACE column for cluster-wide kinds, even with -A', () => {
    const ns = { metadata: { name: 'team-a', labels: {}, creationTimestamp: new Date().toISOString() } };
    expect(renderTable('namespaces', [ns], { format: 'table', allNamespaces: true }).split('\n')[0]).toMatch(/^NAME\s+AGE$/);
  });
});

describe('-l function=NAME, as kubectl users guess it', () => {
  it('finds nothing, and says which label pods carry', () => {
    expect(functionLabelHint('pods', 'function=hello')).toMatch(/try -l tide\.dev\/function=hello or --function hello/);
    expect(functionLabelHint('pods', 'tide.dev/function=hello')).toBe('');
    expect(functionLabelHint('functions', 'function=hello')).toBe('');
  });
});

const ref = (name: string, key: string) => ({ valueFrom: { secretKeyRef: { name, key } } });

describe('tide rollout history', () => {
  it.each([
    [undefined, template(), 'first revision'],
    [template(), template({ GREETING: 'hi' }), 'env GREETING'],
    [template({ A: '1', B: '2' }), template({ A: '1', B: '3', C: '4' }), 'env B,C'],
    [template(), template({}, 256), 'memoryMb 128→256'],
    [template(), template(), 'no change'],
    [template({ P: ref('db', 'P') }), template({ P: ref('db', 'P') }), 'no change'],
    [template({ P: ref('db', 'P') }), template({ P: ref('db', 'Q') }), 'env P'],
    [template({ P: 'plain' }), template({ P: ref('db', 'P') }), 'env P'],
    [template(), { ...template(), envFrom: [{ secretRef: 'db' }] }, 'envFrom'],
  ])('says what changed from %j to %j', (previous, next, words) => {
    expect(revisionChanges(previous, next)).toBe(words);
  });

  it('lists revisions oldest first, marking the one serving with its traffic', () => {
    const lines = historyTable(fn('default', 'hello', 'hello-00002'), [
      revision(3, template({ V: '3' })),
      revision(1),
      revision(2, template({ V: '2' })),
    ]).split('\n');
    expect(lines[1]).toMatch(/^REVISION\s+NAME\s+CREATED\s+TRAFFIC\s+CHANGE$/);
    expect(lines[2]).toMatch(/^1\s+hello-00001\s+2026-12-07T01:01:00.000Z\s+-\s+first revision$/);
    expect(lines[3]).toMatch(/^\*2\s+hello-00002\s+\S+\s+100%\s+env V$/);
    expect(lines[4]).toMatch(/^3\s+hello-00003\s+\S+\s+-\s+env V$/);
  });

  it('--to-revision takes a number as kubectl does, or a revision name', () => {
    expect(revisionNamed('hello', '3')).toBe('hello-00003');
    expect(revisionNamed('hello', 'hello-00002')).toBe('hello-00002');
  });
});

describe('flags and event rows', () => {
  it.each([
    ['30s', 30],
    ['5m', 300],
    ['2h', 7200],
    ['1h30m', 5400],
  ])('--since %s is %i seconds', (text, seconds) => expect(durationSeconds('since', text)).toBe(seconds));

  it.each(['5', 'm', '5 m', '-5m', '5y'])('--since %j is a usage error', (text) => {
    expect(() => durationSeconds('since', text)).toThrow(/--since must be a duration such as 30s/);
  });

  it('an event row lines up under OFFSET TIME TYPE OBJECT VERDICT', () => {
    const row = describeEvent({
      offset: 12,
      type: 'PodBound',
      time: '2026-12-07T01:00:00.000Z',
      data: { namespace: 'default', name: 'hello-abc', node: 'node-1' },
      verdict: { accepted: false, reason: 'stale' },
    });
    expect(EVENTS_HEADER.indexOf('TYPE')).toBe(row.indexOf('PodBound'));
    expect(EVENTS_HEADER.indexOf('OBJECT')).toBe(row.indexOf('default/hello-abc'));
    expect(EVENTS_HEADER.indexOf('VERDICT')).toBe(row.indexOf('REJECTED: stale'));
  });
});

describe('tide describe function', () => {
  it('names each variable, and for one from a secret which key, never a value', () => {
    const env = {
      PLAIN: 'x',
      DB: { valueFrom: { secretKeyRef: { name: 'db', key: 'PASSWORD' } } },
      MAYBE: { valueFrom: { secretKeyRef: { name: 'extra', key: 'K', optional: true } } },
    };
    expect(envNames(env)).toBe('DB <- secret/db:PASSWORD, MAYBE <- secret/extra:K (optional), PLAIN');
  });
});
