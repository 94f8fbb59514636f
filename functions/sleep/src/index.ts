/** An I/O-bound function for load tests: it holds the request for `?ms=` without using CPU. */
export default {
  async fetch(request: Request): Promise<Response> {
    const raw = new URL(request.url).searchParams.get('ms') ?? '100';
    const ms = Number(raw);
    if (!Number.isFinite(ms) || ms < 0 || ms > 60_000) return new Response(`?ms= must be a number from 0 to 60000, got "${raw}"\n`, { status: 400 });
    await new Promise((resolve) => setTimeout(resolve, ms));
    return new Response(`slept ${ms} ms\n`);
  },
};
