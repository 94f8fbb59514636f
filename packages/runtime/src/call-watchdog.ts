/**
 * The watchdog thread of a pod (a worker_threads Worker started by main.ts): every TICK_MS it reads
 * the calls in flight from the shared slots (call-slots.ts) and ends the pod when one ran past its
 * timeout. It keeps working while a function busy-loops on the main thread, which is the point.
 *
 * - A call still unanswered ANSWER_SLACK_MS after its deadline means the main thread could not run
 *   its own timer: it is stuck. The watchdog answers the caller 504 on the call's socket itself,
 *   then kills the process.
 * - A call the runtime answered 504 on time (its event loop is free; request.signal was aborted)
 *   whose function still has not finished RECYCLE_GRACE_MS after the deadline: the process is killed.
 * Like Lambda, the pod is not reused after such a call: whatever the function left running (a loop,
 * timers, half-done state) goes with it, and the node agent starts a fresh one.
 *
 * First it writes the recycle notice to stderr (it cannot use the IPC channel, which belongs to the
 * blocked main thread): the node agent takes the pod out of routing at once and later reports the
 * exit with that reason. Only NOTICE_LEAD_MS later does the caller get its 504, so that its next call
 * finds the pod gone from the gateway's routes and waits for the replacement, rather than racing
 * into a pod about to die. Killing is SIGKILL: a SIGTERM handler runs on the main thread and would
 * never run. Other calls in flight on the pod are cut; the gateway retries those that cannot have
 * had an effect (bodyless GETs) on another pod.
 */
import { writeSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import { CLAIMED, FREE, findOverdue, phaseOf, viewCallSlots, withPhase, type CallSlotViews, type Overdue } from './call-slots.js';
import { formatSeconds, timeoutMessage } from './invoke-function.js';
import { formatRecycleNotice } from './recycle-notice.js';

/** How often the slots are read: a stuck call is answered 504 at most this much late (plus ANSWER_SLACK_MS). */
const TICK_MS = 100;
/** Between writing the 504 and the kill, so the bytes leave before the socket is torn down. */
const FLUSH_MS = 20;
/**
 * Between the notice and the 504: the agent reports the pod not ready and the gateway drops its
 * route (in `tide up`, one append and fold: a few ms; this allows for a busy machine).
 * 504 at ≤ deadline + slack 200 + tick 100 + lead 150 = deadline + 450 ms: before the gateway's
 * own upstream timeout (deadline + 1 s).
 */
const NOTICE_LEAD_MS = 150;

export interface WatchdogData {
  buffer: SharedArrayBuffer;
}

function watch(views: CallSlotViews): never {
  for (;;) {
    pause(TICK_MS);
    const overdue = findOverdue(views, performance.timeOrigin + performance.now());
    if (overdue) recycle(views, overdue);
  }
}

function recycle(views: CallSlotViews, { slot, state, stuck }: Overdue): void {
  // A stuck call is the watchdog's to answer only if the main thread did not answer it meanwhile.
  if (stuck && Atomics.compareExchange(views.state, slot, state, withPhase(state, CLAIMED)) !== state) return;
  const timeoutMs = views.timeout[slot]!;
  try {
    writeSync(2, `${formatRecycleNotice(`call ran past its timeout of ${formatSeconds(timeoutMs)}`)}\n`);
  } catch {
    // stderr closed: the pod still has to go
  }
  pause(NOTICE_LEAD_MS);
  if (stuck) answer504(views, slot, timeoutMs);
  process.kill(process.pid, 'SIGKILL');
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks this thread (only this one: the main thread is not ours to wait for). */
function pause(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/**
 * Writes a whole HTTP/1.1 504 on the call's socket, unless another call in flight shares it
 * (pipelining). Safe because the main thread is stuck: it has written nothing on that socket for
 * this call, and it cannot have closed it (so its descriptor cannot have gone to a new connection).
 */
function answer504(views: CallSlotViews, slot: number, timeoutMs: number): void {
  const fd = views.fd[slot]!;
  if (fd < 0) return;
  const used = Atomics.load(views.header, 0);
  for (let other = 0; other < used; other++) {
    if (other !== slot && views.fd[other] === fd && phaseOf(Atomics.load(views.state, other)) !== FREE) return;
  }
  const body = Buffer.from(timeoutMessage(timeoutMs));
  const head = `HTTP/1.1 504 Gateway Timeout\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`;
  try {
    writeSync(fd, Buffer.concat([Buffer.from(head), body]));
    pause(FLUSH_MS);
  } catch {
    // The caller went away: nobody to answer.
  }
}

if (workerData && (workerData as Partial<WatchdogData>).buffer instanceof SharedArrayBuffer) {
  watch(viewCallSlots((workerData as WatchdogData).buffer));
}
