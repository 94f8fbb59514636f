/** A CPU-bound function for load tests: it keeps the core busy for `?ms=` and reports the work done. */
export default {
  fetch(request: Request): Response {
    const raw = new URL(request.url).searchParams.get('ms') ?? '10';
    const ms = Number(raw);
    if (!Number.isFinite(ms) || ms < 0 || ms > 10_000) return new Response(`?ms= must be a number from 0 to 10000, got "${raw}"\n`, { status: 400 });
    const until = performance.now() + ms;
    let rounds = 0;
    let x = 0;
    while (performance.now() < until) {
      for (let i = 0; i < 1000; i++) x = (x * 1103515245 + 12345) % 2147483648;
      rounds++;
    }
    return new Response(`burned ${ms} ms of CPU (${rounds} rounds, ${x % 10})\n`);
  },
};
