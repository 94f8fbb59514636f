import type { Principal } from '@tide/core';
import { describe, expect, it } from 'vitest';
import { topicRight, type TopicOperation } from './log-topic-rights.js';

const node: Principal = { kind: 'node', name: 'node-n1', node: 'n1' };
const gateway: Principal = { kind: 'gateway', name: 'gw' };
const triggers: Principal = { kind: 'triggers', name: 'trig' };
const user: Principal = { kind: 'user', name: 'admin', roles: [{ role: 'admin', namespaces: ['*'] }] };
const controlPlane: Principal = { kind: 'control-plane', name: 'cp' };

describe('topicRight', () => {
  it.each([
    [node, 'tide.state', 'append', true],
    [node, 'tide.kv', 'append', true],
    [node, 'tide.logs', 'append', true],
    [node, 'tide.invocations', 'append', false],
    [node, 'tide.activations', 'append', false],
    [node, 'tide.state', 'read', true],
    [node, 'bus.team-a.orders.0', 'read', false],
    [node, 'tide.state', 'commit', false],
    [gateway, 'tide.metrics', 'append', true],
    [gateway, 'tide.invocations', 'append', true],
    [gateway, 'tide.state', 'append', false],
    [gateway, 'tide.leases', 'append', false],
    [gateway, 'tide.state', 'read', true],
    [gateway, 'bus.team-a.orders.0', 'read', false],
    [triggers, 'bus.team-a.orders.0', 'append', true],
    [triggers, 'bus.team-a.orders.0', 'commit', true],
    [triggers, 'tide.triggers', 'append', true],
    [triggers, 'tide.activations', 'append', true],
    [triggers, 'tide.kv', 'append', false],
    [triggers, 'tide.logs', 'append', false],
    [user, 'tide.state', 'read', false],
    [user, 'tide.state', 'append', false],
    [controlPlane, 'tide.kv', 'append', true],
  ] as [Principal, string, TopicOperation, boolean][])('%o %s %s: %s', (principal, topic, operation, allowed) => {
    const decision = topicRight(principal, topic, operation);
    expect(decision.allowed).toBe(allowed);
    if (!decision.allowed) expect(decision.reason).toContain(topic);
  });
});
