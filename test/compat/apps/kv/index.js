// A hit counter and a key-value store on a KV namespace bound as CACHE.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const key = url.searchParams.get('key');
    if (url.pathname === '/count') {
      const next = Number((await env.CACHE.get('hits')) ?? '0') + 1;
      await env.CACHE.put('hits', String(next));
      return Response.json({ hits: next });
    }
    if (request.method === 'PUT') {
      await env.CACHE.put(key, await request.text());
      return new Response(null, { status: 204 });
    }
    const value = await env.CACHE.get(key);
    return value === null ? new Response('not found', { status: 404 }) : new Response(value);
  },
};
