import { z } from 'zod';
import { FunctionManifest, Namespace, NamespaceManifest, Pod, Revision, TideFunction, TideNode, Trigger, TriggerManifest } from '@tide/core';
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

/** The API description, generated from the same zod schemas that validate requests. */
export function openApiDocument() {
  const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
  const observed = (s: z.ZodType) => z.toJSONSchema(s, { io: 'output', unrepresentable: 'any' });
  return {
    openapi: '3.1.0',
    info: { title: 'Tide API', version: 'v1' },
    paths: {
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
          summary: 'Load recorded by gateways for this function (input of tide autoscale replay)',
          responses: { '200': { description: 'samples' }, ...errors },
        },
      },
      '/apis/tide.dev/v1/namespaces/{ns}/functions/{name}/logs': {
        parameters: [
          nsParam,
          nameParam,
          { name: 'follow', in: 'query', schema: { type: 'boolean' }, description: 'keep the response open and stream new lines' },
          { name: 'tail', in: 'query', schema: { type: 'integer' }, description: 'only the last N lines of the recent history' },
          { name: 'pod', in: 'query', schema: { type: 'string' }, description: 'only this pod' },
        ],
        get: {
          summary: "What the function's pods printed: `[pod] line` (stderr marked `! `), oldest first",
          responses: { '200': { description: 'text/plain' }, ...errors },
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
      '/apis/tide.dev/v1/triggers': {
        get: {
          summary: 'List or watch triggers of every namespace',
          parameters: [...listParams, labelSelectorParam],
          responses: { '200': { description: 'TriggerList' } },
        },
      },
      '/apis/tide.dev/v1/nodes': { get: { parameters: listParams, responses: { '200': { description: 'NodeList' } } } },
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
    },
    components: {
      schemas: {
        FunctionManifest: schema(FunctionManifest),
        NamespaceManifest: schema(NamespaceManifest),
        Function: observed(TideFunction),
        Namespace: observed(Namespace),
        Revision: observed(Revision),
        Pod: observed(Pod),
        TriggerManifest: schema(TriggerManifest),
        Trigger: observed(Trigger),
        Node: observed(TideNode),
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
