// A page whose links are built as Workers apps build them: absolute ones from request.url, and relative ones.
export default {
  fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === '/docs/page') {
      const absolute = new URL('/docs/other', url).href;
      const html = `<a id="abs" href="${absolute}">other</a><a id="rel" href="other">other</a><a id="self" href="${url.href}">self</a>`;
      return new Response(html, { headers: { 'content-type': 'text/html; charset=utf-8' } });
    }
    return Response.json({ url: request.url, origin: url.origin, pathname: url.pathname, search: url.search });
  },
};
