import { Hono } from 'hono';

/** A plain hono app: `export default app` is already the shape Tide runs. */
const app = new Hono();
const todos = new Map<number, { id: number; title: string }>();
let nextId = 1;

app.get('/', (c) => c.json({ service: 'hono-app', routes: ['GET /todos', 'POST /todos', 'GET /todos/:id'] }));
app.get('/todos', (c) => c.json([...todos.values()]));
app.post('/todos', async (c) => {
  const body = await c.req.json<{ title?: unknown }>().catch(() => ({}) as { title?: unknown });
  if (typeof body.title !== 'string' || !body.title) return c.json({ error: 'title (a non-empty string) is required' }, 400);
  const todo = { id: nextId++, title: body.title };
  todos.set(todo.id, todo);
  return c.json(todo, 201);
});
app.get('/todos/:id', (c) => {
  const todo = todos.get(Number(c.req.param('id')));
  return todo ? c.json(todo) : c.json({ error: 'not found' }, 404);
});

export default app;
