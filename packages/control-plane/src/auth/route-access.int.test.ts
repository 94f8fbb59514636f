import { afterEach, describe, expect, it } from 'vitest';
import { authHarness, type AuthHarness } from './auth.fixture.js';
import { requiredAccess, ROUTE_ACCESS } from './route-access.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
/** Served by the gateway, which guards them itself. */
const GATEWAY_PATHS = ['/async/{ns}/{name}', '/fn/{ns}/{name}'];
/** A concrete path for a route pattern (`:ns` or `{ns}` → a value). */
const concrete = (path: string) => path.replace(/:[A-Za-z0-9_]+|\{[^}]+\}/g, 'x');

let h: AuthHarness;
afterEach(async () => {
  await h?.close();
});

describe('route-access table', () => {
  it('covers every route the app serves and every operation in /openapi.json (a route left out would be open to none but the control plane)', async () => {
    h = await authHarness();
    const served = h.app.routes.filter((r) => METHODS.includes(r.method.toLowerCase())).map((r) => `${r.method.toUpperCase()} ${r.path}`);
    const document = (await (await h.request('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    const described = Object.entries(document.paths)
      .filter(([path]) => !GATEWAY_PATHS.includes(path))
      .flatMap(([path, item]) =>
        Object.keys(item)
          .filter((m) => METHODS.includes(m))
          .map((m) => `${m.toUpperCase()} ${path}`),
      );
    expect(served.length).toBeGreaterThan(40);
    const missing = [...new Set([...served, ...described])].filter((route) => {
      const [method, path] = route.split(' ') as [string, string];
      return requiredAccess(method, concrete(path), () => undefined).kind === 'unknown';
    });
    expect(missing).toEqual([]);
  });

  it('keeps every secured operation of /openapi.json under bearerAuth, and the public ones open', async () => {
    h = await authHarness();
    const document = (await (await h.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { security?: unknown }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(document.components.securitySchemes.bearerAuth).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    for (const [path, item] of Object.entries(document.paths)) {
      if (GATEWAY_PATHS.includes(path)) continue;
      for (const method of Object.keys(item).filter((m) => METHODS.includes(m))) {
        const isPublic = requiredAccess(method.toUpperCase(), concrete(path), () => undefined).kind === 'public';
        expect(item[method]!.security, `${method} ${path}`).toEqual(isPublic ? undefined : [{ bearerAuth: [] }]);
      }
    }
  });

  it('names each pattern once per method', () => {
    const keys = ROUTE_ACCESS.map((r) => `${r.method} ${r.path}`);
    expect(keys.length).toBe(new Set(keys).size);
  });
});
