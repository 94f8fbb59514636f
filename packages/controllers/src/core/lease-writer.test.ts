import { describe, expect, it } from 'vitest';
import { leaseCounts } from './lease-writer.js';

const by = (writer?: string) => (writer === undefined ? undefined : { 'tide-writer': writer });

describe('leaseCounts', () => {
  it.each([
    ['a control plane (no header) renews any lease', 'leader.controllers', undefined, true],
    ['a control plane (stamped) renews any lease', 'n1', 'control-plane:cp-1', true],
    ['a node renews its own lease', 'n1', 'node:n1', true],
    ["a node cannot renew another node's lease", 'n2', 'node:n1', false],
    ['a node cannot renew a leader lease', 'leader.controllers', 'node:n1', false],
    ['a node cannot speak as a control plane member', 'control-plane.cp-1', 'node:n1', false],
    ['the triggers process renews its own role', 'leader.triggers', 'triggers:t1', true],
    ['the triggers process is a member', 'control-plane.triggers@host', 'triggers:t1', true],
    ["the triggers process cannot renew the controllers' lease", 'leader.controllers', 'triggers:t1', false],
    ['a gateway renews nothing', 'leader.controllers', 'gateway:g1', false],
    ['a person renews nothing', 'n1', 'user:admin', false],
    ['an unknown writer renews nothing', 'n1', 'robot:x', false],
  ])('%s', (_what, key, writer, counts) => {
    expect(leaseCounts(key, by(writer))).toBe(counts);
  });
});
