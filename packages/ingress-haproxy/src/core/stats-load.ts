import type { FunctionLoad } from '@tide/core';

/** One row of `show stat` that counts load: a pod's server, or a revision backend's own queue. */
export interface StatReading {
  backend: string;
  /** A pod's name, or `BACKEND` for the backend's row (its qcur: requests queued for any pod). */
  server: string;
  /** Requests at the pod now. */
  scur: number;
  /** Requests queued now. */
  qcur: number;
  /** Requests sent to the pod since it was added (a counter). */
  stot: number;
  /** Of them answered 5xx (by the pod or by haproxy for it), a counter. */
  errors: number;
}

/** The rows of `show stat` (CSV) for revision backends, without the activator's (the gateway reports its own load). */
export function statReadingsOf(csv: string, isRevisionBackend: (name: string) => boolean): StatReading[] {
  const [header, ...rows] = csv.split('\n');
  if (header === undefined || !header.startsWith('# ')) return [];
  const columns = header.slice(2).split(',');
  const at = (name: string) => columns.indexOf(name);
  const [px, sv, scur, qcur, stot, h5xx, eresp] = ['pxname', 'svname', 'scur', 'qcur', 'stot', 'hrsp_5xx', 'eresp'].map(at) as number[];
  const readings: StatReading[] = [];
  for (const row of rows) {
    const fields = row.split(',');
    const backend = fields[px!];
    const server = fields[sv!];
    if (backend === undefined || server === undefined || !isRevisionBackend(backend) || server === 'activator' || server === 'FRONTEND') continue;
    const n = (i: number | undefined) => Number(fields[i!] || 0);
    readings.push({
      backend,
      server,
      scur: server === 'BACKEND' ? 0 : n(scur),
      qcur: n(qcur),
      stot: server === 'BACKEND' ? 0 : n(stot),
      errors: n(h5xx) + n(eresp),
    });
  }
  return readings;
}

/**
 * Of `show stat -1 2 -1` (backends' rows only), the revision backends whose servers are worth a
 * read this poll: something in flight or queued, or a request counter (stot) that moved since the
 * last poll (`last`). Reading every server of every backend 4 times a second cost haproxy ~5 ms of
 * CPU a second with 20 functions deployed (most of their rows idle slots), charged to the calls it
 * served; idle backends' rows say nothing new.
 */
export function backendsToRead(
  csv: string,
  isRevisionBackend: (name: string) => boolean,
  last: ReadonlyMap<string, number>,
): { names: string[]; stot: Map<string, number> } {
  const [header, ...rows] = csv.split('\n');
  const names: string[] = [];
  const stot = new Map<string, number>();
  if (header === undefined || !header.startsWith('# ')) return { names, stot };
  const columns = header.slice(2).split(',');
  const [px, sv, scur, qcur, total] = ['pxname', 'svname', 'scur', 'qcur', 'stot'].map((name) => columns.indexOf(name)) as number[];
  for (const row of rows) {
    const fields = row.split(',');
    const backend = fields[px!];
    if (backend === undefined || fields[sv!] !== 'BACKEND' || !isRevisionBackend(backend)) continue;
    const n = (i: number | undefined) => Number(fields[i!] || 0);
    stot.set(backend, n(total));
    if (n(scur) > 0 || n(qcur) > 0 || last.get(backend) !== n(total)) names.push(backend);
  }
  return { names, stot };
}

/** What the ingress has seen of each function since its last report. */
export interface LoadWindow {
  /** Epoch ms the window opened. */
  since: number;
  polls: number;
  /** Per function: the sum over polls of requests at pods or queued (its average is the concurrency). */
  inFlightSum: ReadonlyMap<string, number>;
  /** Per function, at the latest poll. */
  inFlight: ReadonlyMap<string, number>;
  waiting: ReadonlyMap<string, number>;
  requests: ReadonlyMap<string, number>;
  errors: ReadonlyMap<string, number>;
  /** Per server (`backend/server`): its counters at the latest poll, to take differences from. */
  counters: ReadonlyMap<string, { stot: number; errors: number }>;
  /**
   * Functions the previous report said had requests in flight or waiting: this report speaks of them
   * even when they are quiet, since the autoscaler holds a reporter's last word on what is in flight
   * (heldInFlight, up to 30 s) until the reporter says otherwise.
   */
  owed: ReadonlySet<string>;
}

export function openWindow(since: number, counters: LoadWindow['counters'] = new Map(), owed: ReadonlySet<string> = new Set()): LoadWindow {
  return { since, polls: 0, inFlightSum: new Map(), inFlight: new Map(), waiting: new Map(), requests: new Map(), errors: new Map(), counters, owed };
}

/** The window after `window`, from `at`: the same counters, owing a word on the functions `reported` left in flight. */
export function nextWindow(at: number, window: LoadWindow, reported: readonly FunctionLoad[]): LoadWindow {
  const owed = new Set(reported.filter((s) => (s.inFlight ?? 0) > 0 || s.waiting > 0).map((s) => `${s.namespace}/${s.name}`));
  return openWindow(at, window.counters, owed);
}

/**
 * A poll's readings added to the window. Counters are per server: a server new since the last poll
 * (or one whose counter went back, after a reload) counts all it shows; the servers of a backend
 * the poll did not read keep theirs.
 */
export function absorbReadings(
  window: LoadWindow,
  readings: readonly StatReading[],
  functionOf: (backend: string) => { namespace: string; name: string } | undefined,
): LoadWindow {
  const inFlight = new Map<string, number>();
  const waiting = new Map<string, number>();
  const requests = new Map(window.requests);
  const errors = new Map(window.errors);
  const counters = new Map<string, { stot: number; errors: number }>();
  for (const reading of readings) {
    const fn = functionOf(reading.backend);
    if (fn === undefined) continue;
    const key = `${fn.namespace}/${fn.name}`;
    inFlight.set(key, (inFlight.get(key) ?? 0) + reading.scur + reading.qcur);
    waiting.set(key, (waiting.get(key) ?? 0) + reading.qcur);
    if (reading.server === 'BACKEND') continue;
    const id = `${reading.backend}/${reading.server}`;
    const before = window.counters.get(id);
    const since = (now: number, then: number | undefined) => (then === undefined || now < then ? now : now - then);
    requests.set(key, (requests.get(key) ?? 0) + since(reading.stot, before?.stot));
    errors.set(key, (errors.get(key) ?? 0) + since(reading.errors, before?.errors));
    counters.set(id, { stot: reading.stot, errors: reading.errors });
  }
  // Servers of a backend not read this poll (idle: see backendsToRead) keep their counters.
  const read = new Set(readings.filter((r) => r.server !== 'BACKEND').map((r) => r.backend));
  for (const [id, counter] of window.counters) {
    const backend = id.slice(0, id.lastIndexOf('/'));
    if (!read.has(backend) && functionOf(backend) !== undefined) counters.set(id, counter);
  }
  const inFlightSum = new Map(window.inFlightSum);
  for (const [key, count] of inFlight) inFlightSum.set(key, (inFlightSum.get(key) ?? 0) + count);
  return { ...window, polls: window.polls + 1, inFlightSum, inFlight, waiting, requests, errors, counters };
}

/**
 * The window as a gateway's load samples (FunctionLoad), for functions that had any load or that the
 * last report left in flight (owed: their zero is news): concurrency is the average of what the polls
 * saw in flight, requests what the pods' counters grew by.
 */
export function loadSamplesOf(window: LoadWindow): FunctionLoad[] {
  const samples: FunctionLoad[] = [];
  const keys = new Set([...window.inFlightSum.keys(), ...window.requests.keys(), ...window.owed]);
  for (const key of keys) {
    const concurrency = window.polls > 0 ? (window.inFlightSum.get(key) ?? 0) / window.polls : 0;
    const requests = window.requests.get(key) ?? 0;
    const inFlight = window.inFlight.get(key) ?? 0;
    if (concurrency === 0 && requests === 0 && inFlight === 0 && !window.owed.has(key)) continue;
    const [namespace, name] = key.split('/') as [string, string];
    const errors = window.errors.get(key) ?? 0;
    samples.push({ namespace, name, concurrency, requests, waiting: window.waiting.get(key) ?? 0, inFlight, completed: requests, errors });
  }
  return samples;
}
