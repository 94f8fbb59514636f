import { request, type Dispatcher } from 'undici';
import type { AcceptedReservation, ReservationsPlan } from './reservation-figures.js';

/** A caller tries a reservation this often (the same id each time) before it counts as not accepted. */
const ATTEMPTS = 5;
/** The gateway holds a call up to 30 s while a pod starts from zero; a caller waits a little longer. */
const CALL_TIMEOUT_MS = 35_000;

export interface SpikeResult {
  accepted: AcceptedReservation[];
  /** Accepted reservations sent again with their id and accepted again. */
  resent: number;
  /** Final answers other than 202: by status, or by error code (`resend <status>` for a second send). */
  refused: Record<string, number>;
}

/** Reservation `i` of a run: persons and slots in turn, so every person has several, in order. */
export function reservationAt(run: string, i: number, persons: number) {
  return { id: `${run}-${i}`, person: `person-${i % persons}`, slot: `slot-${Math.floor(i / persons) % 8}` };
}

/**
 * POSTs every reservation to gate, `concurrency` at a time, noting when each was sent and accepted
 * (`elapsedMs`: the run's clock). A call that fails in transit or with a 5xx/429 is tried again with
 * the same id (gate may have sent it already), and every `resendEvery`th accepted one is sent again
 * on purpose: reserve must count neither twice.
 */
export async function spikeReservations(options: {
  url: string;
  run: string;
  plan: ReservationsPlan;
  dispatcher: Dispatcher;
  signal: AbortSignal;
  elapsedMs: () => number;
}): Promise<SpikeResult> {
  const { plan } = options;
  const accepted: AcceptedReservation[] = [];
  const refused: Record<string, number> = {};
  let resent = 0;
  let next = 0;
  const caller = async () => {
    for (let i = next++; i < plan.reservations && !options.signal.aborted; i = next++) {
      const reservation = reservationAt(options.run, i, plan.persons);
      const sentAtMs = options.elapsedMs();
      const outcome = await reserveOnce(options, reservation);
      if (outcome !== '202') {
        refused[outcome] = (refused[outcome] ?? 0) + 1;
        continue;
      }
      accepted.push({ id: reservation.id, person: reservation.person, sentAtMs, acceptedAtMs: options.elapsedMs() });
      if (plan.resendEvery > 0 && i % plan.resendEvery === 0) {
        const again = await reserveOnce(options, reservation);
        if (again === '202') resent++;
        else refused[`resend ${again}`] = (refused[`resend ${again}`] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(plan.concurrency, plan.reservations) }, caller));
  options.signal.throwIfAborted();
  return { accepted, resent, refused };
}

async function reserveOnce(
  options: { url: string; dispatcher: Dispatcher; signal: AbortSignal },
  reservation: ReturnType<typeof reservationAt>,
): Promise<string> {
  let outcome = '';
  for (let attempt = 1; attempt <= ATTEMPTS && !options.signal.aborted; attempt++) {
    try {
      const response = await request(`${options.url}/fn/default/gate/reservations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(reservation),
        dispatcher: options.dispatcher,
        signal: AbortSignal.any([options.signal, AbortSignal.timeout(CALL_TIMEOUT_MS)]),
      });
      await response.body.text();
      outcome = String(response.statusCode);
      if (response.statusCode < 500 && response.statusCode !== 429) return outcome;
    } catch (error) {
      outcome = (error as { code?: string }).code ?? (error as Error).name;
    }
  }
  return outcome;
}
