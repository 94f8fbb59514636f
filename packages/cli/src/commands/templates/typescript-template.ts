import { packageJson, readme, tsconfig, type FunctionTemplate } from './template-files.js';

export const typescriptTemplate: FunctionTemplate = {
  summary: 'TypeScript with a typed env, no runtime dependencies',
  dependencies: [],
  files: (name) => ({
    // typescript only type-checks (npm run typecheck): tide deploy compiles the function without it.
    'package.json': packageJson(name, 'src/index.ts', {
      scripts: { deploy: 'tide deploy .', dev: 'tide dev .', typecheck: 'tsc' },
      devDependencies: { typescript: '^5.9.0' },
    }),
    'tsconfig.json': tsconfig(),
    'README.md': readme(
      name,
      'typescript',
      'A Tide function in TypeScript: a Workers module whose `fetch` answers every call. Set `GREETING` with `tide deploy . --env GREETING=Ahoy`.',
    ),
    'src/index.ts': `/** What the function's environment holds: variables set with \`tide deploy --env\`, secrets. */
interface Env {
  GREETING?: string;
}

interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

/** A Tide function is a Workers module: \`export default { fetch }\`, called with each request. */
export default {
  async fetch(request: Request, env: Env, _ctx: ExecutionContext): Promise<Response> {
    const { pathname } = new URL(request.url);
    console.log(\`\${request.method} \${pathname}\`);
    return new Response(\`\${env.GREETING ?? 'Hello'} from ${name}!\\n\`);
  },
};
`,
  }),
};
