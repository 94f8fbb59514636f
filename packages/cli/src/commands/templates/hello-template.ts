import { packageJson, readme, type FunctionTemplate } from './template-files.js';

export const helloTemplate: FunctionTemplate = {
  summary: 'plain JavaScript, no dependencies',
  dependencies: [],
  files: (name) => ({
    'package.json': packageJson(name, 'src/index.js'),
    'README.md': readme(name, 'hello', 'A Tide function in plain JavaScript: a Workers module whose `fetch` answers every call.'),
    'src/index.js': `/** A Tide function is a Workers module: \`export default { fetch }\`, called with each request. */
export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    console.log(\`\${request.method} \${pathname}\`);
    return new Response(\`Hello from ${name}!\\n\`);
  },
};
`,
  }),
};
