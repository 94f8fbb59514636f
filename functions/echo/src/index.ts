/**
 * Echoes a request back. The body is returned byte for byte (streamed, never decoded), and what
 * describes the request travels in headers, so binary and large bodies round-trip unchanged.
 * `?format=json` returns a JSON description instead (body as text).
 */
export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const headers = Object.fromEntries(request.headers);
    if (url.searchParams.get('format') === 'json') {
      return Response.json({ method: request.method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body: await request.text() });
    }
    return new Response(request.body, {
      headers: {
        'content-type': request.headers.get('content-type') ?? 'application/octet-stream',
        'x-echo-method': request.method,
        'x-echo-path': url.pathname,
        'x-echo-query': url.search,
        'x-echo-headers': JSON.stringify(headers),
      },
    });
  },
};
