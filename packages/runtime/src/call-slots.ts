/**
 * The calls in flight, in memory shared with the watchdog thread (call-watchdog.ts). A busy loop in
 * a function blocks the pod's event loop, so nothing on the main thread can notice it: the watchdog
 * reads these slots from its own thread. Recording a call costs the main thread plain stores and one
 * Atomics store, no message and no syscall.
 *
 * Layout of the SharedArrayBuffer, for CAPACITY slots:
 * - `header`  Int32[1]:          highest slot index ever used + 1 (the watchdog scans no further)
 * - `state`   Int32[CAPACITY]:   generation << 2 | phase (the generation makes a reused slot a new value)
 * - `fd`      Int32[CAPACITY]:   the call's socket descriptor, -1 when unknown
 * - `deadline` Float64[CAPACITY]: epoch ms at which the caller is owed a 504
 * - `timeout` Float64[CAPACITY]:  the call's timeoutMs (for the messages)
 */

/** Nothing in the slot. */
export const FREE = 0;
/** The function is working on it and nobody has answered the caller yet. */
export const RUNNING = 1;
/** The runtime's own timer answered 504; the function has not finished. */
export const ANSWERED = 2;
/** The watchdog answered 504 on the socket itself: the main thread must not write a response. */
export const CLAIMED = 3;

/** More calls in flight than this in one pod go unwatched (a Function's concurrency is at most 10 000). */
export const CAPACITY = 10_000;

const PHASE_MASK = 3;

export interface CallSlotViews {
  header: Int32Array;
  state: Int32Array;
  fd: Int32Array;
  deadline: Float64Array;
  timeout: Float64Array;
}

/** Views on a buffer made by createCallSlots, in whichever thread. */
export function viewCallSlots(buffer: SharedArrayBuffer): CallSlotViews {
  const capacity = (buffer.byteLength - 8) / 24;
  return {
    header: new Int32Array(buffer, 0, 1),
    state: new Int32Array(buffer, 8, capacity),
    fd: new Int32Array(buffer, 8 + 4 * capacity, capacity),
    deadline: new Float64Array(buffer, 8 + 8 * capacity, capacity),
    timeout: new Float64Array(buffer, 8 + 16 * capacity, capacity),
  };
}

export const phaseOf = (state: number) => state & PHASE_MASK;
export const withPhase = (state: number, phase: number) => (state & ~PHASE_MASK) | phase;

/** One call in flight. Exactly one of the main thread and the watchdog answers it. */
export interface WatchedCall {
  /** The function's Response is here: true = send it; false = the watchdog answered and the pod is ending. */
  answered(): boolean;
  /** The runtime's own timer fired: true = send the 504; false = already answered. */
  timedOut(): boolean;
}

export interface CallSlots {
  readonly buffer: SharedArrayBuffer;
  /** Records a call that started now; undefined when every slot is taken (the call goes unwatched). */
  begin(timeoutMs: number, fd: number): WatchedCall | undefined;
}

const UNWATCHED: WatchedCall = { answered: () => true, timedOut: () => true };

/** `now` is epoch ms with sub-millisecond precision (the watchdog reads the same clock). */
export function createCallSlots(now: () => number = () => performance.timeOrigin + performance.now()): CallSlots {
  const buffer = new SharedArrayBuffer(8 + 24 * CAPACITY);
  const views = viewCallSlots(buffer);
  const free: number[] = [];
  let used = 0;

  function take(): number | undefined {
    const reused = free.pop();
    if (reused !== undefined) return reused;
    if (used === CAPACITY) return undefined;
    used += 1;
    Atomics.store(views.header, 0, used);
    return used - 1;
  }

  return {
    buffer,
    begin(timeoutMs, fd) {
      const slot = take();
      if (slot === undefined) return UNWATCHED;
      views.deadline[slot] = now() + timeoutMs;
      views.timeout[slot] = timeoutMs;
      views.fd[slot] = fd;
      // The Atomics store publishes the plain stores above to the watchdog, which loads state first.
      const running = withPhase(views.state[slot]! + 4, RUNNING); // next generation
      Atomics.store(views.state, slot, running);
      const release = (from: number) => {
        if (Atomics.compareExchange(views.state, slot, from, withPhase(from, FREE)) !== from) return false;
        free.push(slot);
        return true;
      };
      return {
        answered: () => release(running) || release(withPhase(running, ANSWERED)),
        timedOut: () => Atomics.compareExchange(views.state, slot, running, withPhase(running, ANSWERED)) === running,
      };
    },
  };
}

/** The main thread's own 504 timer gets this long to fire before the watchdog calls the main thread stuck. */
export const ANSWER_SLACK_MS = 200;
/** After a 504 (and the aborted request.signal), how long a function gets to finish before the pod is killed. */
export const RECYCLE_GRACE_MS = 1_000;

export interface Overdue {
  slot: number;
  state: number;
  stuck: boolean;
}

/** The first call past its limit at `now`, if any: stuck = unanswered past deadline + slack. */
export function findOverdue(views: CallSlotViews, now: number): Overdue | undefined {
  const used = Atomics.load(views.header, 0);
  for (let slot = 0; slot < used; slot++) {
    const state = Atomics.load(views.state, slot);
    const phase = phaseOf(state);
    if (phase === FREE || phase === CLAIMED) continue;
    const deadline = views.deadline[slot]!;
    if (phase === RUNNING && now >= deadline + ANSWER_SLACK_MS) return { slot, state, stuck: true };
    if (phase === ANSWERED && now >= deadline + RECYCLE_GRACE_MS) return { slot, state, stuck: false };
  }
  return undefined;
}
