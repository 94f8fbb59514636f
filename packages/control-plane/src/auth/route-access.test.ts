import { describe, expect, it } from 'vitest';
import { requiredAccess } from './route-access.js';

const P = '/apis/tide.dev/v1';
const query = (values: Record<string, string>) => (name: string) => values[name];
const none = query({});

describe('requiredAccess', () => {
  it('reads the namespace from the path (decoded as the router decodes it) or from ?namespace=, default default', () => {
    expect(requiredAccess('PUT', `${P}/namespaces/team-a/functions/f`, none)).toEqual({
      kind: 'access',
      access: { verb: 'update', resource: 'functions', namespace: 'team-a' },
      filtered: false,
    });
    expect(requiredAccess('GET', `${P}/namespaces/a%2Fb/functions`, none)).toMatchObject({ access: { namespace: 'a/b' } });
    expect(requiredAccess('POST', `${P}/artifacts`, query({ namespace: 'team-a' }))).toMatchObject({ access: { verb: 'create', namespace: 'team-a' } });
    expect(requiredAccess('POST', `${P}/artifacts`, none)).toMatchObject({ access: { namespace: 'default' } });
  });

  it('makes a list asked to watch a watch, HEAD a GET, and marks cluster-wide lists as filtered', () => {
    expect(requiredAccess('GET', `${P}/namespaces/a/pods`, query({ watch: 'true' }))).toMatchObject({ access: { verb: 'watch', resource: 'pods' } });
    expect(requiredAccess('HEAD', `${P}/nodes/n1`, none)).toMatchObject({ access: { verb: 'get', resource: 'nodes' } });
    expect(requiredAccess('GET', `${P}/functions`, none)).toMatchObject({ filtered: true });
    expect(requiredAccess('GET', `${P}/nodes`, none)).toMatchObject({ filtered: false });
  });

  it('knows public, authenticated-only and unknown routes', () => {
    expect(requiredAccess('GET', '/healthz', none)).toEqual({ kind: 'public' });
    expect(requiredAccess('GET', `${P}/whoami`, none)).toEqual({ kind: 'authenticated' });
    expect(requiredAccess('POST', '/healthz', none)).toEqual({ kind: 'unknown' });
    expect(requiredAccess('GET', `${P}/functions/`, none)).toEqual({ kind: 'unknown' });
    expect(requiredAccess('GET', `${P}/namespaces//functions`, none)).toEqual({ kind: 'unknown' });
    expect(requiredAccess('PATCH', `${P}/namespaces/a/functions/f`, none)).toEqual({ kind: 'unknown' });
  });
});
