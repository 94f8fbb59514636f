import { Hono } from 'hono';

// Redirects as a Workers developer writes them: root-relative, absolute from request.url, and Response.redirect.
const app = new Hono();

app.get('/', (c) => c.text('home'));
app.get('/old', (c) => c.redirect('/new'));
app.get('/moved', (c) => c.redirect(new URL('/new?from=moved', c.req.url).href, 301));
app.get('/elsewhere', () => Response.redirect('https://example.com/docs', 308));
app.get('/new', (c) => c.text(`new from=${c.req.query('from') ?? 'none'}`));

export default app;
