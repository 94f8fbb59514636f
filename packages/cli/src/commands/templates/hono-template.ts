import { packageJson, readme, tsconfig, type FunctionTemplate } from './template-files.js';

export const honoTemplate: FunctionTemplate = {
  summary: 'a hono app (npm install first: it depends on hono)',
  dependencies: ['hono'],
  files: (name) => ({
    'package.json': packageJson(name, 'src/index.ts', { dependencies: { hono: '^4.10.0' } }),
    // hono's JSX (a .tsx file of components): tide deploy compiles JSX as the tsconfig says.
    'tsconfig.json': tsconfig({ jsx: 'react-jsx', jsxImportSource: 'hono/jsx' }),
    'README.md': readme(name, 'hono', 'A Tide function written with [hono](https://hono.dev): a hono app is already the Workers module Tide runs.', ['hono']),
    'src/index.ts': `import { Hono } from 'hono';

const app = new Hono();

app.get('/', (c) => c.text('Hello from ${name} (hono)!\\n'));
app.get('/hello/:who', (c) => c.json({ hello: c.req.param('who') }));

export default app;
`,
  }),
};
