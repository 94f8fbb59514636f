import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.js';

/** A commit function whose calls the test finishes by hand. */
function manualCommit() {
  const calls: { items: readonly number[]; finish: (error?: Error) => void }[] = [];
  const commit = (items: readonly number[]): Promise<void> =>
    new Promise((resolve, reject) => calls.push({ items, finish: (e) => (e ? reject(e) : resolve()) }));
  return { calls, commit };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('group commit', () => {
  it('commits items submitted in one synchronous burst together', async () => {
    const { calls, commit } = manualCommit();
    const group = new GroupCommit(commit);
    const done = [1, 2, 3].map((i) => group.submit(i));
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1, 2, 3]]);
    calls[0]!.finish();
    await Promise.all(done);
  });

  it('queues items arriving during a commit into the next one, in order', async () => {
    const { calls, commit } = manualCommit();
    const group = new GroupCommit(commit);
    const resolved: number[] = [];
    const submit = (i: number): Promise<void> => group.submit(i).then(() => void resolved.push(i));
    const first = submit(1);
    await tick();
    const later = [2, 3, 4].map(submit);
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1]]);
    expect(resolved).toEqual([]);
    calls[0]!.finish();
    await first;
    await tick();
    expect(resolved).toEqual([1]);
    expect(calls.map((c) => c.items)).toEqual([[1], [2, 3, 4]]);
    calls[1]!.finish();
    await Promise.all(later);
    expect(resolved).toEqual([1, 2, 3, 4]);
  });

  it('after a failed commit rejects its batch, everything queued and every later submission', async () => {
    const { calls, commit } = manualCommit();
    const group = new GroupCommit(commit);
    const first = group.submit(1);
    await tick();
    const queued = group.submit(2);
    calls[0]!.finish(new Error('disk on fire'));
    await expect(first).rejects.toThrow('disk on fire');
    await expect(queued).rejects.toThrow('disk on fire');
    await expect(group.submit(3)).rejects.toThrow('disk on fire');
    expect(calls).toHaveLength(1);
    await group.whenIdle();
  });

  it('is idle only when nothing is queued or in flight', async () => {
    const { calls, commit } = manualCommit();
    const group = new GroupCommit(commit);
    await group.whenIdle();
    const submitted = group.submit(1);
    let idle = false;
    const idled = group.whenIdle().then(() => (idle = true));
    await tick();
    expect(idle).toBe(false);
    calls[0]!.finish();
    await submitted;
    await idled;
    expect(idle).toBe(true);
  });
});
