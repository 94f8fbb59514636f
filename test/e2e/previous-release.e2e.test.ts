import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import { makeTempDir, waitFor } from '@tide/testkit/testing';
import { adminTokenIn, bearer, freePort, repoRoot, startTideCommand, stopTide, type TideProcess } from '../support/tide-process.js';

/**
 * Upgrading one machine: `tide up` of this release on a data directory the release before wrote
 * (test/fixtures/previous-release: its log, an old-format snapshot and artifacts) starts, folds
 * that history to the state the old release folded, and serves the functions it held.
 *
 * The old release had no tokens: its log holds none and its data directory no admin.token. This
 * release makes the first ones once its leader has raised the fold rules to a version that knows
 * tokens, which comes after it says it is up; the upgrading user waits for the line naming the
 * admin token's file and reads the token from there (as TIDE_TOKEN=$(cat …) would).
 */
const fixture = join(repoRoot, 'test/fixtures/previous-release');

interface Resource {
  metadata: { name: string; namespace?: string };
}
interface OldState {
  offset: number;
  namespaces: Resource[];
  functions: Resource[];
  revisions: Resource[];
}

let dir: Awaited<ReturnType<typeof makeTempDir>>;
let tide: TideProcess;
let old: OldState;
let asAdmin: Record<string, string>;

beforeAll(async () => {
  dir = await makeTempDir('tide-previous-release-');
  await cp(join(fixture, 'data'), dir.path, { recursive: true });
  old = JSON.parse(await readFile(join(fixture, 'state.json'), 'utf8')) as OldState;
  const port = await freePort();
  tide = await startTideCommand({ args: ['up', '--port', String(port), '--data', dir.path], ready: /Tide is up at/, timeoutMs: 60_000 });
  await waitFor(() => tide.output().includes(`admin token created: ${join(dir.path, 'admin.token')}`), {
    what: 'the admin token made on the upgraded log',
    timeoutMs: 30_000,
  });
  asAdmin = bearer(adminTokenIn(dir.path));
}, 90_000);

afterAll(async () => {
  await stopTide(tide);
  await dir?.remove();
});

const getJson = async <T>(path: string): Promise<T> => {
  const res = await request(`${tide.url}${path}`, { headers: asAdmin });
  expect(res.statusCode, path).toBe(200);
  return (await res.body.json()) as T;
};

/** Sorted as state.json is: by namespace/name, or name for cluster-wide kinds. */
const byKey = (items: Resource[]) =>
  [...items].sort((a, b) => {
    const [ka, kb] = [a, b].map((r) => (r.metadata.namespace ? `${r.metadata.namespace}/${r.metadata.name}` : r.metadata.name));
    return ka! < kb! ? -1 : 1;
  });

describe('tide up on a data directory of the previous release', () => {
  it('starts from its snapshot without replaying the whole log', () => {
    expect(tide.output()).not.toMatch(/ignoring the snapshot/);
    expect(tide.output()).not.toMatch(/error:/);
  });

  it('folds it to the state the previous release folded: namespaces, functions (traffic, scale, generations) and revisions', async () => {
    const list = (path: string) => getJson<{ items: Resource[] }>(path).then((l) => byKey(l.items));
    expect(await list('/apis/tide.dev/v1/namespaces')).toEqual(old.namespaces);
    expect(await list('/apis/tide.dev/v1/functions')).toEqual(old.functions);
    expect(await list('/apis/tide.dev/v1/revisions')).toEqual(old.revisions);
  });

  it('serves the functions it held, at the revisions it ran', async () => {
    const call = async (path: string) => {
      const res = await request(`${tide.url}${path}`, { headersTimeout: 30_000, bodyTimeout: 30_000 });
      return { status: res.statusCode, text: await res.body.text() };
    };
    // greeter was rolled back to greeter-00001 (GREETING=Ahoy); hello splits 80/20 between Howdy and Hi.
    expect(await call('/fn/team-b/greeter')).toEqual({ status: 200, text: 'Ahoy, world!\n' });
    expect((await call('/fn/default/hello')).text).toMatch(/^(Howdy|Hi), world!\n$/);
    expect(await call('/fn/default/echo?format=json')).toMatchObject({ status: 200 });
  }, 60_000);
});
