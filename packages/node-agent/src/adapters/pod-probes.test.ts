import { describe, expect, it } from 'vitest';
import type { ProbeOutcome } from '../core/probe-tally.js';
import type { ProbeSpec } from '../pod-types.js';
import { createManualClock } from '../testing/manual-clock.js';
import { startPodProbes } from './pod-probes.js';

const spec = (overrides: Partial<ProbeSpec> = {}): ProbeSpec => ({
  path: '/healthz',
  initialDelaySeconds: 5,
  periodSeconds: 10,
  timeoutSeconds: 1,
  failureThreshold: 3,
  ...overrides,
});

/** Probes against a scripted pod: answers come from `answers` by path; every probe is recorded with its time. */
function harness(probes: { readiness?: ProbeSpec; liveness?: ProbeSpec }) {
  const clock = createManualClock(0);
  const answers: Record<string, ProbeOutcome> = { '/ready': { ok: true }, '/live': { ok: true } };
  const calls: Array<{ at: number; path: string; timeoutMs: number }> = [];
  const events: string[] = [];
  const running = startPodProbes({
    endpoint: 'http://127.0.0.1:1',
    probes,
    clock,
    probe: async (_endpoint, path, timeoutMs) => {
      calls.push({ at: clock.now(), path, timeoutMs });
      return answers[path]!;
    },
    onReadiness: (change) => events.push(`${clock.now()} readiness ${change.type === 'failed' ? `failed: ${change.why}` : 'recovered'}`),
    onLivenessFailed: (why) => events.push(`${clock.now()} liveness failed: ${why}`),
  });
  return { clock, answers, calls, events, running };
}

describe('startPodProbes', () => {
  it('probes first after the initial delay, then every period, with the timeout', async () => {
    const { clock, calls } = harness({ readiness: spec({ path: '/ready', timeoutSeconds: 2 }) });
    await clock.advance(4_999);
    expect(calls).toEqual([]);
    await clock.advance(25_001);
    expect(calls).toEqual([5_000, 15_000, 25_000].map((at) => ({ at, path: '/ready', timeoutMs: 2_000 })));
  });

  it('reports a pod not ready after failureThreshold failures in a row, and ready again after one success', async () => {
    const { clock, answers, events } = harness({ readiness: spec({ path: '/ready', initialDelaySeconds: 0 }) });
    await clock.advance(0); // probe at 0 passes
    answers['/ready'] = { ok: false, why: 'HTTP 503' };
    await clock.advance(30_000); // fails at 10 s, 20 s, 30 s
    answers['/ready'] = { ok: true };
    await clock.advance(10_000);
    expect(events).toEqual(['30000 readiness failed: HTTP 503', '40000 readiness recovered']);
  });

  it('reports a liveness failure once and stops probing liveness, while readiness goes on', async () => {
    const { clock, answers, calls, events } = harness({
      readiness: spec({ path: '/ready', initialDelaySeconds: 0 }),
      liveness: spec({ path: '/live', initialDelaySeconds: 0, failureThreshold: 2 }),
    });
    answers['/live'] = { ok: false, why: 'connection refused' };
    await clock.advance(60_000);
    expect(events).toEqual(['10000 liveness failed: connection refused']);
    expect(calls.filter((c) => c.path === '/live').map((c) => c.at)).toEqual([0, 10_000]);
    expect(calls.filter((c) => c.path === '/ready')).toHaveLength(7);
  });

  it('starts no probe and reports nothing once stopped, even for a probe in flight', async () => {
    const clock = createManualClock(0);
    const events: string[] = [];
    let answer!: (outcome: ProbeOutcome) => void;
    let calls = 0;
    const running = startPodProbes({
      endpoint: 'http://127.0.0.1:1',
      probes: { liveness: spec({ initialDelaySeconds: 0, failureThreshold: 1 }) },
      clock,
      probe: () => {
        calls += 1;
        return new Promise((resolve) => (answer = resolve));
      },
      onReadiness: () => events.push('readiness'),
      onLivenessFailed: () => events.push('liveness'),
    });
    await clock.advance(0);
    expect(calls).toBe(1);
    running.stop();
    answer({ ok: false, why: 'HTTP 500' });
    await clock.advance(60_000);
    expect(calls).toBe(1);
    expect(events).toEqual([]);
    expect(clock.pending()).toEqual([]);
  });
});
