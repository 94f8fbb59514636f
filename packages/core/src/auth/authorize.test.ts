import { describe, expect, it } from 'vitest';
import { authorize, readsValues, seesNamespace, type Access } from './authorize.js';
import type { Principal } from './principal.js';

const user = (role: 'admin' | 'developer' | 'viewer' | 'invoker', namespaces: string[]): Principal => ({
  kind: 'user',
  name: `${role}-x`,
  roles: [{ role, namespaces }],
});
const allowed = (p: Principal, a: Access) => authorize(p, a).allowed;

describe('authorize', () => {
  it('gives a namespace admin its namespace, but not quotas, nodes, tokens or the raw log', () => {
    const admin = user('admin', ['team-a']);
    expect(allowed(admin, { verb: 'delete', resource: 'functions', namespace: 'team-a' })).toBe(true);
    expect(allowed(admin, { verb: 'get', resource: 'functions', namespace: 'team-b' })).toBe(false);
    expect(allowed(admin, { verb: 'update', resource: 'namespaces', namespace: 'team-a' })).toBe(false);
    expect(allowed(admin, { verb: 'get', resource: 'namespaces', namespace: 'team-a' })).toBe(true);
    expect(allowed(admin, { verb: 'list', resource: 'nodes' })).toBe(false);
    expect(allowed(admin, { verb: 'create', resource: 'tokens' })).toBe(false);
    expect(allowed(user('admin', ['*']), { verb: 'create', resource: 'tokens' })).toBe(true);
    expect(allowed(user('admin', ['*']), { verb: 'create', resource: 'log' })).toBe(false);
  });

  it('lets a developer change functions, triggers and secrets in its namespaces only', () => {
    const dev = user('developer', ['team-a']);
    for (const resource of ['functions', 'triggers', 'secrets', 'artifacts', 'topics'] as const)
      expect(allowed(dev, { verb: 'create', resource, namespace: 'team-a' }), resource).toBe(true);
    expect(allowed(dev, { verb: 'create', resource: 'functions', namespace: 'team-b' })).toBe(false);
    expect(allowed(dev, { verb: 'update', resource: 'namespaces', namespace: 'team-a' })).toBe(false);
    expect(allowed(dev, { verb: 'list', resource: 'tokens' })).toBe(false);
  });

  it('lets a viewer read but not secrets, and an invoker only invoke', () => {
    const viewer = user('viewer', ['team-a']);
    expect(allowed(viewer, { verb: 'list', resource: 'functions', namespace: 'team-a' })).toBe(true);
    expect(allowed(viewer, { verb: 'get', resource: 'secrets', namespace: 'team-a' })).toBe(false);
    expect(allowed(viewer, { verb: 'create', resource: 'functions', namespace: 'team-a' })).toBe(false);
    expect(allowed(viewer, { verb: 'invoke', resource: 'functions', namespace: 'team-a' })).toBe(false);
    const invoker = user('invoker', ['team-a']);
    expect(allowed(invoker, { verb: 'invoke', resource: 'functions', namespace: 'team-a' })).toBe(true);
    expect(allowed(invoker, { verb: 'get', resource: 'functions', namespace: 'team-a' })).toBe(false);
    expect(seesNamespace(invoker, 'team-a')).toBe(false);
    expect(readsValues(viewer, 'team-a')).toBe(false);
    expect(readsValues(user('developer', ['team-a']), 'team-a')).toBe(true);
  });

  it('keeps components to what they need', () => {
    const node: Principal = { kind: 'node', name: 'node-n1', node: 'n1' };
    expect(allowed(node, { verb: 'create', resource: 'log' })).toBe(true);
    expect(allowed(node, { verb: 'get', resource: 'artifacts', namespace: 'a' })).toBe(true);
    expect(allowed(node, { verb: 'create', resource: 'functions', namespace: 'a' })).toBe(false);
    // Its pods' queue sends go through the records API; reading a topic's records is not a node's.
    expect(allowed(node, { verb: 'create', resource: 'topics', namespace: 'a' })).toBe(true);
    expect(allowed(node, { verb: 'get', resource: 'topics', namespace: 'a' })).toBe(false);
    const bootstrap: Principal = { kind: 'node-bootstrap', name: 'boot' };
    expect(allowed(bootstrap, { verb: 'join', resource: 'nodes' })).toBe(true);
    expect(allowed(bootstrap, { verb: 'get', resource: 'log' })).toBe(false);
    expect(allowed({ kind: 'gateway', name: 'gw' }, { verb: 'list', resource: 'functions', namespace: 'a' })).toBe(false);
  });

  it("gives the opened values of a pod's secrets to nodes and to no person, not even a cluster admin", () => {
    const node: Principal = { kind: 'node', name: 'node-n1', node: 'n1' };
    expect(allowed(node, { verb: 'get', resource: 'pod-secrets', namespace: 'a' })).toBe(true);
    expect(allowed(node, { verb: 'get', resource: 'secrets', namespace: 'a' })).toBe(false);
    for (const role of ['admin', 'developer', 'viewer', 'invoker'] as const)
      expect(allowed(user(role, ['*']), { verb: 'get', resource: 'pod-secrets', namespace: 'a' }), role).toBe(false);
    expect(allowed({ kind: 'gateway', name: 'gw' }, { verb: 'get', resource: 'pod-secrets', namespace: 'a' })).toBe(false);
  });
});
