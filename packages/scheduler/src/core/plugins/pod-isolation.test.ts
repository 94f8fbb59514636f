import { describe, expect, it } from 'vitest';
import { node, pod } from '../../test-builders.js';
import { pluginsFromConfig } from '../default-plugins.js';
import { createSchedulingContext } from '../scheduling-context.js';
import { podIsolation } from './pod-isolation.js';

describe('pod-isolation', () => {
  const ctx = createSchedulingContext([]);
  const unsandboxed = node('a', { isolation: { sandbox: 'none', insecureSingleTenant: false } });
  it("rejects another namespace's pod on a node that does not sandbox, saying what to do", () => {
    const result = podIsolation.filter(pod('p', { namespace: 'team-b' }), unsandboxed, ctx);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(/does not sandbox pods.*--insecure-single-tenant/);
  });
  it("passes namespace default's pod there, and any pod on a sandboxed or single-tenant node", () => {
    expect(podIsolation.filter(pod('p'), unsandboxed, ctx).ok).toBe(true);
    expect(podIsolation.filter(pod('p', { namespace: 'team-b' }), node('a', { isolation: { sandbox: 'bwrap', insecureSingleTenant: false } }), ctx).ok).toBe(
      true,
    );
    expect(podIsolation.filter(pod('p', { namespace: 'team-b' }), node('a', { isolation: { sandbox: 'none', insecureSingleTenant: true } }), ctx).ok).toBe(
      true,
    );
  });
  it('cannot be disabled: the fold would reject the binding forever', () => {
    expect(() => pluginsFromConfig({ disabled: ['pod-isolation'] })).toThrow(/pod-isolation cannot be disabled/);
  });
});
