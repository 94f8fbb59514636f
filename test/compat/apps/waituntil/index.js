// Answers at once and records the job in KV afterwards, through ctx.waitUntil.
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const id = url.searchParams.get('id');
    if (url.pathname === '/job') {
      const answeredAt = Date.now();
      ctx.waitUntil(
        (async () => {
          await new Promise((resolve) => setTimeout(resolve, 300));
          console.log(`job ${id} done`);
          await env.CACHE.put(`job:${id}`, JSON.stringify({ answeredAt, doneAt: Date.now() }));
        })(),
      );
      return new Response('accepted', { status: 202 });
    }
    const job = await env.CACHE.get(`job:${id}`);
    return job === null ? new Response('pending', { status: 404 }) : new Response(job, { headers: { 'content-type': 'application/json' } });
  },
};
