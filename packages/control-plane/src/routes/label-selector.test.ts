import { describe, expect, it } from 'vitest';
import { matchesSelector, parseLabelSelector } from './label-selector.js';

const labels = { 'tide.dev/function': 'hello', team: 'web' };
const matches = (selector: string) => {
  const parsed = parseLabelSelector(selector);
  if (!parsed.ok) throw new Error(parsed.message);
  return matchesSelector(labels, parsed.requirements);
};

describe('label selectors, as Kubernetes reads them', () => {
  it.each([
    ['', true],
    ['team=web', true],
    ['team==web', true],
    ['team=api', false],
    ['team!=api', true],
    ['team!=web', false],
    ['missing!=x', true],
    ['tide.dev/function=hello,team=web', true],
    ['tide.dev/function=hello, team=api', false],
    ['team', true],
    ['!team', false],
    ['!missing', true],
    ['team=', false],
  ])('%j matches {function: hello, team: web}: %s', (selector, expected) => {
    expect(matches(selector)).toBe(expected);
  });

  it.each([
    ['team=web,', /must be key=value/],
    ['=web', /"" is not a valid label key/],
    ['team=w b', /"w b" is not a valid label value/],
    ['!team=web', /must be key=value/],
    ['team in (a,b)', /not a valid label key/],
  ])('refuses %j, naming the term', (selector, message) => {
    const parsed = parseLabelSelector(selector);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(message);
  });
});
