import { describe, expect, it } from 'vitest';
import { recordingQueue } from './fakes.test-support.js';
import gate from './gate.js';

const post = (body: unknown, path = '/fn/default/gate/reservations') =>
  new Request(`http://127.0.0.1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('gate', () => {
  it('accepts a reservation with 202 and its id, and sends it keyed by person', async () => {
    const { queue, sent } = recordingQueue();
    const response = await gate.fetch(post({ person: 'ada', slot: 'mon-09' }), { RESERVATIONS: queue });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent).toEqual([{ body: { id, person: 'ada', slot: 'mon-09' }, options: { key: 'ada' } }]);
  });

  it("keeps the caller's id, so a retried request is the same reservation", async () => {
    const { queue, sent } = recordingQueue();
    const response = await gate.fetch(post({ person: 'ada', slot: 'mon-09', id: 'r-1' }), { RESERVATIONS: queue });
    expect(await response.json()).toEqual({ id: 'r-1' });
    expect(sent[0]!.body).toMatchObject({ id: 'r-1' });
  });

  it.each([
    [{ slot: 'mon-09' }, 'person'],
    [{ person: 'ada', slot: '' }, 'slot'],
    [{ person: 'ada', slot: 'x', id: 'has space' }, 'id'],
    [[1, 2], 'body'],
    ['{not json', 'body'],
  ])('answers 400 naming the field for %j (%s), sending nothing', async (body, field) => {
    const { queue, sent } = recordingQueue();
    const response = await gate.fetch(post(body), { RESERVATIONS: queue });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(new RegExp(`^${field}: `));
    expect(sent).toEqual([]);
  });

  it('answers 404 elsewhere and 405 to another method', async () => {
    const { queue } = recordingQueue();
    expect((await gate.fetch(post({}, '/fn/default/gate/other'), { RESERVATIONS: queue })).status).toBe(404);
    expect((await gate.fetch(new Request('http://h/fn/default/gate/reservations'), { RESERVATIONS: queue })).status).toBe(405);
  });
});
