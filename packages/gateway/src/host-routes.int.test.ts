import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import type { FunctionRoute, RouteTable } from './route-table.js';
import { closeAfterEach, type EchoedRequest, echoUpstream, endpoint, type RunningServer, startGateway, startServer } from './test-support/harness.js';

const client = new Agent({ keepAliveTimeout: 1_000 });
const track = closeAfterEach();
afterAll(() => client.close());

/** Routes by namespace/name and by namespace/name@tag, as the state's route table has them. */
function tableOf(routes: Record<string, RunningServer>): RouteTable {
  const lookup = (namespace: string, name: string, tag?: string): FunctionRoute | undefined => {
    const server = routes[`${namespace}/${name}${tag === undefined ? '' : `@${tag}`}`];
    return server && { namespace, name, endpoints: [endpoint(`${name}-pod`, server)], timeoutMs: 5_000, key: `${namespace}/${name}@${tag ?? ''}` };
  };
  return { lookup, subscribe: () => () => {} };
}

/** A pod that answers with its own name, so a test sees which route served. */
async function named(name: string): Promise<RunningServer> {
  return track(await startServer((_req, res) => res.end(name)));
}

const get = async (url: string, path: string, host: string) => {
  const res = await request(`${url}${path}`, { dispatcher: client, headers: { host } });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
};

describe('routes by Host: <name>.<namespace>.<domain>', () => {
  it('sends the whole path and query to the function, with an empty x-forwarded-prefix', async () => {
    const gw = track(await startGateway({ routes: tableOf({ 'default/hello': track(await echoUpstream()) }), domain: 'localhost' }));
    const res = await get(gw.url, '/fn/x/y?q=1', 'hello.default.localhost:8080');
    expect(res.status).toBe(200);
    const echoed = JSON.parse(res.text) as EchoedRequest;
    expect(echoed.url).toBe('/fn/x/y?q=1');
    expect(echoed.headers['x-forwarded-prefix']).toBe('');
    expect(echoed.headers['x-forwarded-host']).toBe('hello.default.localhost:8080');
  });

  it('serves <tag>-<name> as the tagged revision, and a function of the full name first', async () => {
    const routes = tableOf({
      'default/hello': await named('hello'),
      'default/hello@old': await named('hello@old'),
      'default/old-hello': await named('old-hello'),
    });
    const gw = track(await startGateway({ routes, domain: 'fn.example.com' }));
    expect((await get(gw.url, '/', 'hello.default.fn.example.com')).text).toBe('hello');
    expect((await get(gw.url, '/', 'old-hello.default.fn.example.com')).text).toBe('old-hello');
    const onlyTag = track(await startGateway({ routes: tableOf({ 'default/hello@old': await named('hello@old') }), domain: 'fn.example.com' }));
    expect((await get(onlyTag.url, '/', 'old-hello.default.fn.example.com')).text).toBe('hello@old');
  });

  it('answers a host under the domain that names no function with its own 404; other hosts are not its business', async () => {
    const gw = track(await startGateway({ routes: tableOf({}), domain: 'localhost' }));
    const missing = await get(gw.url, '/', 'nope.default.localhost');
    expect(missing.status).toBe(404);
    expect(missing.headers['tide-error']).toBe('gateway');
    expect(JSON.parse(missing.text).error).toContain('function default/nope not found');
    expect((await get(gw.url, '/', 'localhost:8080')).status).toBe(418); // the harness's "not mine"
    expect((await get(gw.url, '/', 'a.b.c.localhost')).status).toBe(418);
  });

  it('without a domain routes /fn/... only', async () => {
    const gw = track(await startGateway({ routes: tableOf({ 'default/hello': await named('hello') }) }));
    expect((await get(gw.url, '/', 'hello.default.localhost')).status).toBe(418);
    expect((await get(gw.url, '/fn/default/hello', 'hello.default.localhost')).text).toBe('hello');
  });
});

describe("the gateway's own answers", () => {
  it("are marked tide-error: gateway, and a pod's answer never is", async () => {
    const faker = track(
      await startServer((_req, res) => {
        res.writeHead(404, { 'tide-error': 'gateway' });
        res.end('mine');
      }),
    );
    const gw = track(await startGateway({ routes: tableOf({ 'default/faker': faker }) }));
    const fromPod = await get(gw.url, '/fn/default/faker', 'x');
    expect(fromPod).toMatchObject({ status: 404, text: 'mine' });
    expect(fromPod.headers['tide-error']).toBeUndefined();
    const fromGateway = await get(gw.url, '/fn/default/nobody', 'x');
    expect(fromGateway.status).toBe(404);
    expect(fromGateway.headers['tide-error']).toBe('gateway');
  });
});
