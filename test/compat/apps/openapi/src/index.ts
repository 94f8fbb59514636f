import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';

// A chanfana-style API: routes declared with zod schemas, validated on the way in, documented at /openapi.json.
const Task = z.object({ id: z.number().int(), name: z.string().min(1), done: z.boolean() }).openapi('Task');
const NewTask = z.object({ name: z.string().min(1), done: z.boolean().default(false) }).openapi('NewTask');

const createTask = createRoute({
  method: 'post',
  path: '/tasks',
  request: { body: { content: { 'application/json': { schema: NewTask } }, required: true } },
  responses: { 201: { description: 'Created', content: { 'application/json': { schema: Task } } } },
});

const getTask = createRoute({
  method: 'get',
  path: '/tasks/{id}',
  request: {
    params: z.object({
      id: z.coerce
        .number()
        .int()
        .openapi({ param: { name: 'id', in: 'path' } }),
    }),
  },
  responses: { 200: { description: 'The task', content: { 'application/json': { schema: Task } } } },
});

const app = new OpenAPIHono();

app.openapi(createTask, (c) => {
  const body = c.req.valid('json');
  return c.json({ id: 1, name: body.name, done: body.done }, 201);
});

app.openapi(getTask, (c) => c.json({ id: c.req.valid('param').id, name: 'write tests', done: false }, 200));

app.doc('/openapi.json', { openapi: '3.0.0', info: { title: 'Tasks', version: '1.0.0' } });

export default app;
