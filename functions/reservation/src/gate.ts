/**
 * gate: POST /reservations {person, slot, id?} → 202 {id}. Checks the request (400 naming the
 * field), gives it an id, and sends it to the topic `reservations` keyed by person, so one
 * person's reservations are reserved in the order they were accepted.
 */
import { checkReservation } from './core/reservation.js';
import type { Queue } from './workers.js';

export interface GateEnv {
  RESERVATIONS: Queue;
}

export default {
  async fetch(request: Request, env: GateEnv): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (!pathname.endsWith('/reservations')) return Response.json({ error: 'not found: POST /reservations' }, { status: 404 });
    if (request.method !== 'POST') return Response.json({ error: 'use POST' }, { status: 405, headers: { allow: 'POST' } });
    let body: unknown;
    try {
      body = await request.json();
    } catch {
      return Response.json({ error: 'body: must be JSON' }, { status: 400 });
    }
    const checked = checkReservation(body, () => crypto.randomUUID());
    if (!checked.ok) return Response.json({ error: `${checked.field}: ${checked.message}`, field: checked.field }, { status: 400 });
    const { reservation } = checked;
    await env.RESERVATIONS.send(reservation, { key: reservation.person });
    return Response.json({ id: reservation.id }, { status: 202 });
  },
};
