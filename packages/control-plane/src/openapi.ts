import { z } from 'zod';
import {
  FunctionManifest,
  Namespace,
  TokenManifest,
  TokenSpec,
  NamespaceManifest,
  Pod,
  Revision,
  SecretManifest,
  TideFunction,
  TideNode,
  Trigger,
  TriggerManifest,
} from '@tide/core';
import { PublishRecordsBody } from './routes/topic-records-body.js';

const status = { $ref: '#/components/schemas/Status' };
/** Kubernetes' list pagination: a page of `limit` items and metadata.continue for the next. */
function pageParams(defaultLimit: number) {
  return [
    { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1 }, description: `items per page (default ${defaultLimit}; at most 5000 served)` },
    { name: 'continue', in: 'query', schema: { type: 'string' }, description: "the previous page's metadata.continue" },
  ];
}
const errors = Object.fromEntries(
  ['400', '404', '409', '413', '415', '422', '429'].map((code) => [code, { description: 'Failure', content: { 'application/json': { schema: status } } }]),
);
const json = (ref: string) => ({ content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } });
const manifestBody = (ref: string) => ({
  required: true,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } }, 'application/yaml': { schema: { $ref: `#/components/schemas/${ref}` } } },
});
const watchParams = [
  { name: 'watch', in: 'query', schema: { type: 'boolean' }, description: 'stream changes as server-sent events' },
  { name: 'resourceVersion', in: 'query', schema: { type: 'string' }, description: 'stream every event after this log offset' },
];
const listParams = [...watchParams, ...pageParams(500)];
const labelSelectorParam = { name: 'labelSelector', in: 'query', schema: { type: 'string' }, description: 'as kubectl -l: a=b,c!=d' };
const nsParam = { name: 'ns', in: 'path', required: true, schema: { type: 'string' } };
const nameParam = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };
const topicParam = { name: 'topic', in: 'path', required: true, schema: { type: 'string' } };
const logTopicParam = {
  name: 'topic',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description: "a platform topic (tide.state, tide.leases, ...) or a namespace topic's partition on the log's bus",
};
const groupParam = { name: 'group', in: 'path', required: true, schema: { type: 'string' } };
const text = (description: string) => ({ '200': { description, content: { 'text/plain': { schema: { type: 'string' } } } } });
const listOf = (kind: string) => ({
  summary: `List or watch ${kind.toLowerCase()}s of every namespace`,
  parameters: [...listParams, labelSelectorParam],
  responses: { '200': { description: `${kind}List` }, ...errors },
});
const nodeAction = (summary: string) => ({ summary, responses: { '200': json('Node'), ...errors } });

const ACTIVATION_SCHEMA = {
  type: 'object',
  properties: {
    kind: { const: 'Activation' },
    id: { type: 'string' },
    namespace: { type: 'string' },
    function: { type: 'string' },
    status: { enum: ['queued', 'running', 'retrying', 'succeeded', 'failed', 'dead-lettered'] },
    attempts: { type: 'integer' },
    queuedAt: { type: 'integer', description: 'epoch ms' },
    start: { type: 'integer' },
    end: { type: 'integer' },
    durationMs: { type: 'integer' },
    result: {
      type: 'object',
      description: "the function's last answer; body at most 64 KiB, base64 when not UTF-8",
      properties: {
        status: { type: 'integer' },
        headers: { type: 'object' },
        body: { type: 'string' },
        encoding: { enum: ['utf8', 'base64'] },
        truncated: { type: 'boolean' },
      },
    },
    error: { type: 'string' },
    traceId: { type: 'string' },
    callback: { enum: ['pending', 'delivered', 'failed'] },
    updatedAt: { type: 'integer' },
    logs: {
      type: 'array',
      items: { type: 'string' },
      description:
        'GET by id only: pod log lines that name the activation id (sent as the call\'s x-request-id). The runtime names it only in its own lines about a call ("request <id> failed: ..."), so what the function prints is not here: see .../functions/{name}/logs',
    },
  },
};

/** Served without a token (route-access.ts), and the gateway's paths, which the gateway guards itself. */
const UNSECURED = ['/healthz', '/readyz', '/openapi.json', '/async/{ns}/{name}', '/fn/{ns}/{name}'];
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const authErrors = {
  '401': {
    description: 'No token, or one that is malformed, unknown, revoked or expired (WWW-Authenticate: Bearer)',
    content: { 'application/json': { schema: status } },
  },
  '403': { description: 'The token may not do this', content: { 'application/json': { schema: status } } },
};

/** Every operation of every secured path needs a bearer token, and may answer 401 or 403 for it. */
function secured<T extends Record<string, Record<string, unknown>>>(paths: T): T {
  for (const [path, item] of Object.entries(paths)) {
    if (UNSECURED.includes(path)) continue;
    for (const method of HTTP_METHODS) {
      const operation = item[method] as { security?: unknown; responses?: Record<string, unknown> } | undefined;
      if (!operation) continue;
      operation.security = [{ bearerAuth: [] }];
      operation.responses = { ...operation.responses, ...authErrors };
    }
  }
  return paths;
}

const tokenObject = { $ref: '#/components/schemas/Token' };

/** The API description, generated from the same zod schemas that validate requests. */
export function openApiDocument() {
  const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
  const observed = (s: z.ZodType) => z.toJSONSchema(s, { io: 'output', unrepresentable: 'any' });
  return {
    openapi: '3.1.0',
    info: { title: 'Tide API', version: 'v1' },
    security: [{ bearerAuth: [] }],
    paths: secured({
      '/apis/tide.dev/v1/whoami': {
        get: {
          summary: "Who the request's token is: {kind, name, roles} (a node's also its node)",
          responses: { '200': { description: 'The principal', content: { 'application/json': { schema: { type: 'object' } } } } },
        },
      },
      '/apis/tide.dev/v1/tokens': {
        post: {
          summary: 'Create a bearer token (cluster admins only): the secret is in this answer only, never again',
          requestBody: manifestBody('TokenManifest'),
          responses: {
            '201': {
              description: 'Created',
              content: {
                'application/json': {
                  schema: { type: 'object', properties: { token: { type: 'string', description: 'tide_<name>_<64 hex>' }, object: tokenObject } },
                },
              },
            },
            ...errors,
          },
        },
        get: { summary: 'List tokens (never their secrets or hashes)', responses: { '200': { description: 'TokenList' }, ...errors } },
      },
      '/apis/tide.dev/v1/tokens/{name}': {
        parameters: [nameParam],
        get: { responses: { '200': { description: 'Token', content: { 'application/json': { schema: tokenObject } } }, ...errors } },
        delete: {
          summary: 'Revoke a token: refused from the next request on, by every control plane that folds the log',
          responses: { '200': { description: 'Token', content: { 'application/json': { schema: tokenObject } } }, ...errors },
        },
      },
      '/apis/tide.dev/v1/artifacts': {
        post: {
          summary: 'Upload a bundled function module for ?namespace= (default: default); returns its content digest',
          parameters: [{ name: 'namespace', in: 'query', required: false, schema: { type: 'string' } }],
          requestBody: { required: true, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
          responses: {
            '201': {
              description: 'Stored',
              content: { 'application/json': { schema: { type: 'object', properties: { digest: { type: 'string' }, size: { type: 'integer' } } } } },
            },
            ...errors,
          },
        },
      },
      '/apis/tide.dev/v1/namespaces/{namespace}/artifacts': {
        parameters: [{ name: 'namespace', in: 'path', required: true, schema: { type: 'string' } }],
        post: {
          summary: "Upload a bundled function module for a namespace (counted against its quota's maxArtifactBytes); returns its content digest",
          requestBody: { required: true, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
          responses: {
            '201': {
              description: 'Stored',
              content: { 'application/json': { schema: { type: 'object', properties: { digest: { type: 'string' }, size: { type: 'integer' } } } } },
            },
            ...errors,
          },
        },
      },
      '/apis/tide.dev/v1/namespaces': {
        get: { summary: 'List or watch namespaces', parameters: listParams, responses: { '200': { description: 'NamespaceList' } } },
      },
      '/apis/tide.dev/v1/namespaces/{name}': {
        parameters: [nameParam],
        get: { responses: { '200': json('Namespace'), ...errors } },
        put: {
          summary: 'Apply a namespace',
          requestBody: manifestBody('NamespaceManifest'),
          responses: { '200': json('Namespace'), '201': json('Namespace'), ...errors },
        },
        delete: { responses: { '200': json('Namespace'), ...errors } },
      },
      '/apis/tide.dev/v1/namespaces/{ns}/functions': {
        parameters: [nsParam],
        get: { summary: 'List or watch functions', parameters: listParams, responses: { '200': { description: 'FunctionList' } } },
      },
      '/apis/tide.dev/v1/namespaces/{ns}/functions/{name}': {
        parameters: [nsParam, nameParam],
        get: { responses: { '200': json('Function'), ...errors } },
        put: {
          summary: 'Apply a function (metadata.resourceVersion makes it conditional: 409 if changed meanwhile)',
          requestBody: manifestBody('FunctionManifest'),
          responses: { '200': json('Function'), '201': json('Function'), ...errors },
        },
        delete: { responses: { '200': json('Function'), ...errors } },
      },
      '/apis/tide.dev/v1/namespaces/{ns}/functions/{name}/metrics': {
        parameters: [
          nsParam,
          nameParam,
          { name: 'from', in: 'query', schema: { type: 'integer' }, description: 'offset in the metrics topic' },
          { name: 'limit', in: 'query', schema: { type: 'integer' } },
        ],
        get: {
          summary: 'Load recorded by gateways for this function, and its history of samples and scale decisions (input of tide autoscale replay)',
          responses: { '200': { description: 'samples and history' }, ...errors },
        },
      },
      '/apis/tide.dev/v1/namespaces/{ns}/functions/{name}/logs': {
        parameters: [
          nsParam,
          nameParam,
          { name: 'follow', in: 'query', schema: { type: 'boolean' }, description: 'keep the response open and stream new lines' },
          { name: 'tail', in: 'query', schema: { type: 'integer' }, description: 'only the last N lines of the recent history' },
          { name: 'pod', in: 'query', schema: { type: 'string' }, description: 'only this pod' },
          { name: 'sinceSeconds', in: 'query', schema: { type: 'integer' }, description: 'only lines of the last N seconds' },
          { name: 'timestamps', in: 'query', schema: { type: 'boolean' }, description: 'each text line with its time' },
          {
            name: 'traceId',
            in: 'query',
            schema: { type: 'string', pattern: '^[0-9a-fA-F]{32}$' },
            description: 'only lines written inside calls of this W3C trace (also while following)',
          },
          {
            name: 'format',
            in: 'query',
            schema: { type: 'string', enum: ['text', 'json'] },
            description: 'json: one record a line (time, namespace, function, revision, pod, stream, traceId, line)',
          },
        ],
        get: {
          summary: "What the function's pods printed: `[pod] trace=<id> line` (trace where written inside a traced call, stderr marked `! `), oldest first",
          responses: { '200': { description: 'text/plain, or application/x-ndjson with format=json' }, ...errors },
        },
      },
      '/apis/tide.dev/v1/namespaces/{ns}/pods/{name}/explain': {
        parameters: [nsParam, nameParam],
        get: {
          summary:
            'tide explain pod: the chain of events that led to the pod (scale decision, created, bound with scores, started, ready), each with time, actor and reason',
          responses: { '200': { description: 'PodExplanation' }, ...errors },
        },
      },
      '/apis/tide.dev/v1/namespaces/{ns}/functions/{name}/explain': {
        parameters: [nsParam, nameParam],
        get: {
          summary: "the chains of the function's newest pods (tide describe function)",
          responses: { '200': { description: 'FunctionExplanation' }, ...errors },
        },
      },
      '/apis/tide.dev/v1/top/functions': {
        get: {
          summary:
            "tide top: every function's requests per second, p50/p99 latency and errors (last 5 s), in flight, replicas and cold starts (last 60 s), in the namespaces the caller may list",
          responses: { '200': { description: 'FunctionTop' }, ...errors },
        },
      },
      '/apis/tide.dev/v1/namespaces/{ns}/top/functions': {
        parameters: [nsParam],
        get: { summary: "tide top -n: the namespace's functions, as /top/functions", responses: { '200': { description: 'FunctionTop' }, ...errors } },
      },
      '/apis/tide.dev/v1/top/nodes': {
        get: {
          summary: 'tide top nodes: pods, CPU and memory requested against capacity, and CPU used by pods, per node',
          responses: { '200': { description: 'NodeTop' }, ...errors },
        },
      },
      '/apis/tide.dev/v1/namespaces/{ns}/revisions': {
        parameters: [nsParam],
        get: { parameters: listParams, responses: { '200': { description: 'RevisionList' } } },
      },
      '/apis/tide.dev/v1/namespaces/{ns}/revisions/{name}': { parameters: [nsParam, nameParam], get: { responses: { '200': json('Revision'), ...errors } } },
      '/apis/tide.dev/v1/namespaces/{ns}/pods': {
        parameters: [nsParam],
        get: {
          parameters: [...listParams, { name: 'labelSelector', in: 'query', schema: { type: 'string' } }],
          responses: { '200': { description: 'PodList' } },
        },
      },
      '/apis/tide.dev/v1/namespaces/{ns}/pods/{name}': { parameters: [nsParam, nameParam], get: { responses: { '200': json('Pod'), ...errors } } },
      '/apis/tide.dev/v1/namespaces/{ns}/triggers': {
        parameters: [nsParam],
        get: {
          summary: 'List or watch triggers (kafka topics or cron schedules that call a function)',
          parameters: [...listParams, labelSelectorParam],
          responses: { '200': { description: 'TriggerList' }, ...errors },
        },
        post: {
          summary: 'Create a trigger (409 if one of that name exists)',
          requestBody: manifestBody('TriggerManifest'),
          responses: { '201': json('Trigger'), ...errors },
        },
      },
      '/apis/tide.dev/v1/namespaces/{ns}/triggers/{name}': {
        parameters: [nsParam, nameParam],
        get: { responses: { '200': json('Trigger'), ...errors } },
        put: {
          summary: 'Apply a trigger (metadata.resourceVersion makes it conditional: 409 if changed meanwhile; the function may not exist yet)',
          requestBody: manifestBody('TriggerManifest'),
          responses: { '200': json('Trigger'), '201': json('Trigger'), ...errors },
        },
        delete: { responses: { '200': json('Trigger'), ...errors } },
      },
      '/apis/tide.dev/v1/secrets': {
        get: {
          summary: "Secrets of every namespace the token may list them in (kubectl's -A): key names and sizes, never a value",
          parameters: pageParams(500),
          responses: { '200': { description: 'SecretList' }, ...errors },
        },
      },
      '/apis/tide.dev/v1/namespaces/{ns}/secrets': {
        parameters: [nsParam],
        get: {
          summary: 'List secrets: their key names and sizes in bytes, never a value (not for viewers)',
          parameters: pageParams(500),
          responses: { '200': { description: 'SecretList' }, ...errors },
        },
      },
      '/apis/tide.dev/v1/namespaces/{ns}/secrets/{name}': {
        parameters: [nsParam, nameParam],
        get: { summary: 'A secret: its key names and sizes in bytes, never a value', responses: { '200': json('Secret'), ...errors } },
        put: {
          summary: 'Apply a secret: the values are sealed (AES-256-GCM) before they are written and are never returned',
          requestBody: manifestBody('SecretManifest'),
          responses: { '200': json('Secret'), '201': json('Secret'), ...errors },
        },
        delete: { responses: { '200': json('Secret'), ...errors } },
      },
      '/apis/tide.dev/v1/secrets/reencrypt': {
        post: {
          summary: 'Seal every secret sealed with an older key again with the current one (key rotation; a cluster admin)',
          responses: {
            '200': {
              description: 'What was re-sealed, and what could not be',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      keyId: { type: 'string' },
                      resealed: { type: 'array', items: { type: 'string' } },
                      failed: { type: 'array', items: { type: 'object', properties: { secret: { type: 'string' }, reason: { type: 'string' } } } },
                    },
                  },
                },
              },
            },
            ...errors,
          },
        },
      },
      '/apis/tide.dev/v1/namespaces/{ns}/pods/{name}/secret-env': {
        parameters: [nsParam, nameParam],
        get: {
          summary:
            "The environment the secrets a pod names give it (envFrom, and its env vars' secretKeyRefs), opened: for the node the pod is bound to only (404 for a secret or key that does not exist yet, 409 for one no key here opens)",
          responses: {
            '200': {
              description: 'The variables',
              content: {
                'application/json': { schema: { type: 'object', properties: { env: { type: 'object', additionalProperties: { type: 'string' } } } } },
              },
            },
            ...errors,
          },
        },
      },
      '/apis/tide.dev/v1/triggers': {
        get: {
          summary: 'List or watch triggers of every namespace',
          parameters: [...listParams, labelSelectorParam],
          responses: { '200': { description: 'TriggerList' } },
        },
      },
      '/apis/tide.dev/v1/nodes': {
        get: { summary: 'List or watch nodes', parameters: [...listParams, labelSelectorParam], responses: { '200': { description: 'NodeList' }, ...errors } },
      },
      '/apis/tide.dev/v1/nodes/{name}': {
        parameters: [nameParam],
        get: { responses: { '200': json('Node'), ...errors } },
        delete: { summary: 'Remove a node (its pods are rescheduled)', responses: { '200': json('Node'), ...errors } },
      },
      '/apis/tide.dev/v1/nodes/{name}/cordon': { parameters: [nameParam], post: nodeAction('Schedule no new pods on the node') },
      '/apis/tide.dev/v1/nodes/{name}/uncordon': { parameters: [nameParam], post: nodeAction('Schedule pods on the node again') },
      '/apis/tide.dev/v1/nodes/{name}/drain': { parameters: [nameParam], post: nodeAction('Cordon the node and move its pods elsewhere') },
      '/apis/tide.dev/v1/nodes/{name}/join': {
        parameters: [nameParam],
        post: {
          summary: "Join a node (the bootstrap token only): a credential of that node's own, in this answer only; a re-join revokes the previous one",
          responses: {
            '201': {
              description: 'Joined',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      kind: { const: 'NodeCredential' },
                      node: { type: 'string' },
                      tokenName: { type: 'string', description: 'node-<name>' },
                      token: { type: 'string', description: 'tide_node-<name>_<64 hex>' },
                    },
                  },
                },
              },
            },
            ...errors,
          },
        },
      },
      '/apis/tide.dev/v1/functions': { get: listOf('Function') },
      '/apis/tide.dev/v1/revisions': { get: listOf('Revision') },
      '/apis/tide.dev/v1/pods': { get: listOf('Pod') },
      '/apis/tide.dev/v1/namespaces/{ns}/functions/{name}/rollback': {
        parameters: [nsParam, nameParam],
        post: {
          summary: 'Serve the previous revision again, or the one named (as kubectl rollout undo)',
          requestBody: {
            required: false,
            content: { 'application/json': { schema: { type: 'object', properties: { revision: { type: 'string', description: 'such as hello-00001' } } } } },
          },
          responses: { '200': json('Function'), ...errors },
        },
      },
      '/apis/tide.dev/v1/namespaces/{namespace}/artifacts/{digest}': {
        parameters: [
          { name: 'namespace', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'digest', in: 'path', required: true, schema: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' } },
        ],
        get: {
          summary: 'Download an uploaded artifact (the same as without the namespace)',
          responses: { '200': { description: 'text/javascript' }, ...errors },
        },
      },
      '/apis/tide.dev/v1/artifacts/{digest}': {
        parameters: [{ name: 'digest', in: 'path', required: true, schema: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' } }],
        get: { summary: 'Download an uploaded artifact', responses: { '200': { description: 'text/javascript' }, ...errors } },
      },
      '/apis/tide.dev/v1/log/{topic}': {
        parameters: [logTopicParam],
        get: {
          summary: "Read a topic of the event log as NDJSON (for Tide's own processes): one record a line, value in base64",
          parameters: [
            { name: 'from', in: 'query', schema: { type: 'integer', minimum: 0 }, description: 'first offset' },
            { name: 'follow', in: 'query', schema: { type: 'boolean' }, description: 'keep streaming new records' },
          ],
          responses: { '200': { description: 'application/x-ndjson' }, ...errors },
        },
        post: {
          summary: 'Append records (on tide.state each must be an event; the fold judges it like any other append)',
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['records'],
                  properties: {
                    records: {
                      type: 'array',
                      maxItems: 1000,
                      items: {
                        type: 'object',
                        required: ['value'],
                        properties: {
                          value: { type: 'string', contentEncoding: 'base64' },
                          key: { type: 'string' },
                          headers: { type: 'object', additionalProperties: { type: 'string' } },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
          responses: {
            '200': {
              description: 'The offsets of the records, in order',
              content: { 'application/json': { schema: { type: 'object', properties: { offsets: { type: 'array', items: { type: 'integer' } } } } } },
            },
            ...errors,
          },
        },
      },
      '/apis/tide.dev/v1/log/{topic}/end': {
        parameters: [logTopicParam],
        get: {
          summary: "The topic's end offset",
          responses: {
            '200': { description: 'Offset', content: { 'application/json': { schema: { type: 'object', properties: { endOffset: { type: 'integer' } } } } } },
            ...errors,
          },
        },
      },
      '/apis/tide.dev/v1/log/{topic}/groups/{group}': {
        parameters: [logTopicParam, groupParam],
        get: {
          summary: "A consumer group's committed offset on the topic (null when none)",
          responses: {
            '200': {
              description: 'Offset',
              content: { 'application/json': { schema: { type: 'object', properties: { offset: { type: ['integer', 'null'] } } } } },
            },
            ...errors,
          },
        },
        put: {
          summary: "Commit a consumer group's offset on the topic",
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { type: 'object', required: ['offset'], properties: { offset: { type: 'integer', minimum: 0 } } } } },
          },
          responses: { '200': { description: 'Committed' }, ...errors },
        },
      },
      '/healthz': { get: { summary: 'Liveness', responses: text('ok') } },
      '/readyz': {
        get: { summary: 'Readiness: 503 while starting or while the log cannot be reached', responses: { ...text('ok'), '503': { description: 'not ready' } } },
      },
      '/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
      '/apis/tide.dev/v1/namespaces/{ns}/topics/{topic}/records': {
        parameters: [nsParam, topicParam],
        post: {
          summary:
            "Publish records to the namespace's topic: a key picks the partition (Kafka's murmur2), a string value is stored as UTF-8, other JSON as its text (content-type application/json), `encoding: base64` for binary; the request's traceparent goes on records without one",
          requestBody: { required: true, ...json('PublishRecords') },
          responses: {
            '200': {
              description: 'Where each record went, in request order',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      records: { type: 'array', items: { type: 'object', properties: { partition: { type: 'integer' }, offset: { type: 'integer' } } } },
                    },
                  },
                },
              },
            },
            ...errors,
          },
        },
      },
      '/apis/tide.dev/v1/namespaces/{ns}/topics/{topic}': {
        parameters: [nsParam, topicParam],
        get: {
          summary: "A namespace's topic: its partitions and their end offsets",
          responses: {
            '200': {
              description: 'Partitions',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      namespace: { type: 'string' },
                      topic: { type: 'string' },
                      partitions: { type: 'array', items: { type: 'object', properties: { partition: { type: 'integer' }, endOffset: { type: 'integer' } } } },
                    },
                  },
                },
              },
            },
            ...errors,
          },
        },
      },
      '/apis/tide.dev/v1/events': {
        get: { summary: 'Stream the state log as server-sent events', parameters: watchParams, responses: { '200': { description: 'text/event-stream' } } },
      },
      '/apis/tide.dev/v1/namespaces/{ns}/activations': {
        parameters: [
          nsParam,
          { name: 'function', in: 'query', schema: { type: 'string' }, description: 'only activations of this function' },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
          { name: 'continue', in: 'query', schema: { type: 'string' }, description: "the previous page's metadata.continue" },
        ],
        get: {
          summary: 'Activations of async calls, newest first (kept: the newest 2000 per namespace, at most 24 h)',
          responses: {
            '200': {
              description: 'ActivationList',
              content: {
                'application/json': {
                  schema: { type: 'object', properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Activation' } } } },
                },
              },
            },
            ...errors,
          },
        },
      },
      '/apis/tide.dev/v1/namespaces/{ns}/activations/{id}': {
        parameters: [nsParam, { name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        get: { summary: 'One activation (404 when unknown or no longer kept)', responses: { '200': json('Activation'), ...errors } },
      },
      '/async/{ns}/{name}': {
        parameters: [
          nsParam,
          nameParam,
          { name: 'X-Callback-Url', in: 'header', schema: { type: 'string', format: 'uri' }, description: 'receives the activation (POST, JSON) once it ends' },
        ],
        post: {
          summary: 'Call a function asynchronously (any method, any sub-path; body at most 256 KiB): stored, then run at least once with retries (spec.async)',
          responses: {
            '202': { description: 'Accepted: `{"activationId": id}`, with X-Activation-Id and Location of the activation' },
            '400': { description: 'Bad name or callback URL' },
            '404': { description: 'No such function' },
            '413': { description: 'Body over 256 KiB' },
          },
        },
      },
      '/fn/{ns}/{name}': {
        parameters: [nsParam, nameParam],
        get: { summary: 'Invoke a function (any method, any sub-path)', responses: { '200': { description: 'The function response' } } },
      },
    }),
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'A Tide token: tide_<name>_<64 hex> (tide login, tide token create)' } },
      schemas: {
        TokenManifest: schema(TokenManifest),
        Token: {
          type: 'object',
          properties: {
            apiVersion: { const: 'tide.dev/v1' },
            kind: { const: 'Token' },
            metadata: { type: 'object' },
            spec: observed(TokenSpec),
          },
        },
        FunctionManifest: schema(FunctionManifest),
        NamespaceManifest: schema(NamespaceManifest),
        Function: observed(TideFunction),
        Namespace: observed(Namespace),
        Revision: observed(Revision),
        Pod: observed(Pod),
        TriggerManifest: schema(TriggerManifest),
        Trigger: observed(Trigger),
        Node: observed(TideNode),
        SecretManifest: schema(SecretManifest),
        Secret: {
          type: 'object',
          properties: {
            apiVersion: { const: 'tide.dev/v1' },
            kind: { const: 'Secret' },
            metadata: { type: 'object' },
            type: { type: 'string' },
            keys: { type: 'object', additionalProperties: { type: 'integer' }, description: 'each key name and the size of its value in bytes' },
          },
        },
        PublishRecords: schema(PublishRecordsBody),
        Activation: ACTIVATION_SCHEMA,
        Status: {
          type: 'object',
          properties: {
            kind: { const: 'Status' },
            code: { type: 'integer' },
            reason: { type: 'string' },
            message: { type: 'string' },
            details: {
              type: 'object',
              properties: { causes: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } } },
            },
          },
        },
      },
    },
  };
}
