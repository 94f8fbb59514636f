/** A reservation request as `gate` accepts it, and as it travels on the topic. */
export interface Reservation {
  id: string;
  person: string;
  slot: string;
}

export type Checked = { ok: true; reservation: Reservation } | { ok: false; field: string; message: string };

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_TEXT = 200;

/**
 * Checks a POST /reservations body, naming the first field that is wrong. `id` is optional: the
 * caller may give one (so a retried request is the same reservation), else `newId()` makes one.
 */
export function checkReservation(body: unknown, newId: () => string): Checked {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return bad('body', 'must be a JSON object {person, slot, id?}');
  const { person, slot, id } = body as Record<string, unknown>;
  if (typeof person !== 'string' || person.trim() === '' || person.length > MAX_TEXT)
    return bad('person', `must be a non-empty string of at most ${MAX_TEXT} characters`);
  if (typeof slot !== 'string' || slot.trim() === '' || slot.length > MAX_TEXT)
    return bad('slot', `must be a non-empty string of at most ${MAX_TEXT} characters`);
  if (id !== undefined && (typeof id !== 'string' || !ID.test(id))) return bad('id', 'must be 1 to 64 letters, digits, "_" or "-"');
  return { ok: true, reservation: { id: id ?? newId(), person, slot } };
}

/** A message body read back from the topic; undefined when it is not a reservation. */
export function reservationOf(body: unknown): Reservation | undefined {
  const checked = checkReservation(body, () => '');
  return checked.ok && checked.reservation.id !== '' ? checked.reservation : undefined;
}

const bad = (field: string, message: string): Checked => ({ ok: false, field, message });
