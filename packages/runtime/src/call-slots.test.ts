import { describe, expect, it } from 'vitest';
import { ANSWER_SLACK_MS, RECYCLE_GRACE_MS, createCallSlots, findOverdue, viewCallSlots } from './call-slots.js';

function setup() {
  let now = 1_000_000;
  const slots = createCallSlots(() => now);
  const views = viewCallSlots(slots.buffer);
  return { slots, views, at: (ms: number) => (now = 1_000_000 + ms), overdue: () => findOverdue(views, now) };
}

describe('call slots', () => {
  it('flag a call nobody answered once the deadline and the slack have passed: the main thread is stuck', () => {
    const { slots, at, overdue } = setup();
    slots.begin(1_000, 7);
    at(1_000 + ANSWER_SLACK_MS - 1);
    expect(overdue()).toBeUndefined();
    at(1_000 + ANSWER_SLACK_MS);
    expect(overdue()).toMatchObject({ slot: 0, stuck: true });
  });

  it('give a call the runtime answered 504 itself the recycle grace to finish', () => {
    const { slots, at, overdue } = setup();
    const call = slots.begin(1_000, 7)!;
    at(1_000);
    expect(call.timedOut()).toBe(true);
    at(1_000 + RECYCLE_GRACE_MS - 1);
    expect(overdue()).toBeUndefined();
    at(1_000 + RECYCLE_GRACE_MS);
    expect(overdue()).toMatchObject({ slot: 0, stuck: false });
    expect(call.answered()).toBe(true); // it finished late: the slot is free again
    expect(overdue()).toBeUndefined();
  });

  it('never flag a call answered in time, and reuse its slot for the next call', () => {
    const { slots, views, at, overdue } = setup();
    expect(slots.begin(1_000, 7)!.answered()).toBe(true);
    slots.begin(5_000, 8);
    at(2_000);
    expect(overdue()).toBeUndefined();
    expect(Atomics.load(views.header, 0)).toBe(1);
    expect(views.fd[0]).toBe(8);
  });

  it('let exactly one side answer: once the watchdog claimed a call, the main thread sends nothing', () => {
    const { slots, views, at, overdue } = setup();
    const call = slots.begin(1_000, 7)!;
    at(5_000);
    const found = overdue()!;
    expect(Atomics.compareExchange(views.state, found.slot, found.state, (found.state & ~3) | 3)).toBe(found.state);
    expect(call.timedOut()).toBe(false);
    expect(call.answered()).toBe(false);
  });

  it('make a reused slot a new value, so a claim meant for the call before cannot take the next one', () => {
    const { slots, views } = setup();
    slots.begin(1_000, 7)!.answered();
    const first = Atomics.load(views.state, 0);
    slots.begin(1_000, 7);
    expect(Atomics.load(views.state, 0)).not.toBe(first);
  });
});
