// Asks to fail open, as a Worker in front of an origin does, then throws.
export default {
  async fetch(request, _env, ctx) {
    const { pathname } = new URL(request.url);
    if (pathname === '/fail-open') {
      ctx.passThroughOnException();
      throw new Error('the handler broke');
    }
    if (pathname === '/fail-closed') throw new Error('the handler broke');
    ctx.passThroughOnException();
    return new Response('fine');
  },
};
