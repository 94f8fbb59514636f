import { describe, expect, it } from 'vitest';
import app from './index.js';

describe('hono-app', () => {
  it('creates and reads a todo', async () => {
    const created = await app.request('/todos', { method: 'POST', body: JSON.stringify({ title: 'ship' }), headers: { 'content-type': 'application/json' } });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: number };
    expect(await (await app.request(`/todos/${id}`)).json()).toEqual({ id, title: 'ship' });
    expect((await app.request('/todos', { method: 'POST', body: '{}' })).status).toBe(400);
  });
});
