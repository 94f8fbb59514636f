import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { closeAfterEach, type EchoedRequest, FakeRouteTable, echoUpstream, endpoint, startGateway } from './test-support/harness.js';

const client = new Agent({ keepAliveTimeout: 1_000 });
const track = closeAfterEach();
afterAll(() => client.close());

async function echoed(componentToken: string | undefined, headers: Record<string, string>): Promise<EchoedRequest> {
  const upstream = track(await echoUpstream());
  const routes = new FakeRouteTable();
  routes.set('default', 'hello', [endpoint('hello-00001-abcde', upstream)]);
  const gw = track(await startGateway({ routes, ...(componentToken === undefined ? {} : { componentToken }) }));
  const res = await request(`${gw.url}/fn/default/hello/`, { dispatcher: client, method: 'POST', headers, body: '{}' });
  expect(res.statusCode).toBe(200);
  return (await res.body.json()) as EchoedRequest;
}

describe("the gateway honours tide-invoke from Tide's components only", () => {
  it('passes tide-invoke on when the call carries the component token, and never the token itself', async () => {
    const got = await echoed('s3cret', { 'tide-invoke': 'queue', 'tide-component-token': 's3cret' });
    expect(got.headers['tide-invoke']).toBe('queue');
    expect(got.headers['tide-component-token']).toBeUndefined();
  });

  it('strips tide-invoke when the token is wrong', async () => {
    const got = await echoed('s3cret', { 'tide-invoke': 'scheduled', 'tide-component-token': 'guess' });
    expect(got.headers['tide-invoke']).toBeUndefined();
    expect(got.headers['tide-component-token']).toBeUndefined();
  });

  it('strips tide-invoke when the gateway has no token at all', async () => {
    const got = await echoed(undefined, { 'tide-invoke': 'queue', 'tide-component-token': '' });
    expect(got.headers['tide-invoke']).toBeUndefined();
  });
});
