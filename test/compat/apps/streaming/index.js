// A ReadableStream response: the first chunk goes out at once, the last only once /release?id= is called.
const waiting = new Map();

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const id = url.searchParams.get('id');
    if (url.pathname === '/release') {
      const release = waiting.get(id);
      if (!release) return new Response('no such stream', { status: 404 });
      release();
      return new Response('released');
    }
    const released = new Promise((resolve) => waiting.set(id, resolve));
    const encoder = new TextEncoder();
    const stream = new ReadableStream({
      async start(controller) {
        controller.enqueue(encoder.encode('first\n'));
        await released;
        waiting.delete(id);
        controller.enqueue(encoder.encode('last\n'));
        controller.close();
      },
    });
    return new Response(stream, { headers: { 'content-type': 'text/plain; charset=utf-8' } });
  },
};
