import { describe, expect, it } from 'vitest';
import { nextProbeAt, PASSING, tallyProbe, type ProbeOutcome, type ProbeTally } from './probe-tally.js';

const ok: ProbeOutcome = { ok: true };
const fail = (why = 'HTTP 500'): ProbeOutcome => ({ ok: false, why });

/** Feeds outcomes one by one and lists the changes they made. */
function run(outcomes: ProbeOutcome[], threshold: number): Array<string | undefined> {
  let tally: ProbeTally = PASSING;
  return outcomes.map((outcome) => {
    const result = tallyProbe(tally, outcome, threshold);
    tally = result.tally;
    return result.change && (result.change.type === 'failed' ? `failed: ${result.change.why}` : 'recovered');
  });
}

describe('tallyProbe', () => {
  it.each<[string, ProbeOutcome[], number, Array<string | undefined>]>([
    ['stays passing while probes pass', [ok, ok], 3, [undefined, undefined]],
    [
      'fails on the threshold-th failure in a row, with the last reason',
      [fail('HTTP 500'), fail('HTTP 503'), fail('timeout after 1s')],
      3,
      [undefined, undefined, 'failed: timeout after 1s'],
    ],
    ['fails at once with threshold 1', [fail('connection refused')], 1, ['failed: connection refused']],
    ['reports the failure once, not for every further failure', [fail(), fail(), fail()], 2, [undefined, 'failed: HTTP 500', undefined]],
    ['a success in between starts the count over', [fail(), fail(), ok, fail(), fail()], 3, [undefined, undefined, undefined, undefined, undefined]],
    ['one success recovers a failing probe', [fail(), ok, ok], 1, ['failed: HTTP 500', 'recovered', undefined]],
    ['fails again after recovering', [fail(), ok, fail()], 1, ['failed: HTTP 500', 'recovered', 'failed: HTTP 500']],
  ])('%s', (_title, outcomes, threshold, changes) => {
    expect(run(outcomes, threshold)).toEqual(changes);
  });

  it('never mutates the tally it is given', () => {
    const tally = { failures: 2, passing: true };
    tallyProbe(tally, fail(), 3);
    expect(tally).toEqual({ failures: 2, passing: true });
  });
});

describe('nextProbeAt', () => {
  it.each([
    ['one period after the last start', 1_000, 10_000, 1_050, 11_000],
    ['at once when the last probe outlasted the period (a 3 s timeout, 1 s period)', 1_000, 1_000, 4_000, 4_000],
  ])('%s', (_title, startedAt, periodMs, now, at) => {
    expect(nextProbeAt(startedAt, periodMs, now)).toBe(at);
  });
});
