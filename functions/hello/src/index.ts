/** The smallest Tide function: a default export with a Workers-style fetch handler. */
export default {
  fetch(request: Request, env: Record<string, string | undefined>): Response {
    const name = new URL(request.url).searchParams.get('name') ?? 'world';
    return new Response(`${env.GREETING ?? 'Hello'}, ${name}!\n`, { headers: { 'content-type': 'text/plain; charset=utf-8' } });
  },
};
