import { Hono } from 'hono';
import type { FC } from 'hono/jsx';

const app = new Hono();

const Layout: FC = (props) => (
  <html lang="en">
    <body>{props.children}</body>
  </html>
);

const Items: FC<{ items: string[] }> = ({ items }) => (
  <ul>
    {items.map((item) => (
      <li>{item}</li>
    ))}
  </ul>
);

app.get('/', (c) =>
  c.html(
    <Layout>
      <h1>Hello, {c.req.query('name') ?? 'world'}!</h1>
      <Items items={['a', 'b']} />
    </Layout>,
  ),
);

export default app;
