/** A template: the files of a new function named `name`, by path. Each deploys as it is written. */
export interface FunctionTemplate {
  summary: string;
  /** Packages `tide deploy` needs installed first (the bundler resolves them from node_modules). */
  dependencies: readonly string[];
  files(name: string): Record<string, string>;
}

/** The README every template carries: how to deploy it and call it, and how to work on it. */
export function readme(name: string, template: string, intro: string, dependencies: readonly string[] = []): string {
  const install = dependencies.length ? `npm install          # ${dependencies.join(', ')}: tide deploy bundles it from node_modules\n` : '';
  return `# ${name}

${intro}

Deploy it and call it (with \`tide up\` running; \`tide init\` wrote it from the ${template} template):

\`\`\`sh
${install}tide deploy .
tide invoke ${name}
curl http://127.0.0.1:8080/fn/default/${name}/
\`\`\`

While you work on it, \`tide dev .\` redeploys on every save and prints what it logs.
`;
}

/** package.json of a new function: its name is the function's name, \`main\` its entry. */
export function packageJson(name: string, main: string, extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ name, version: '0.1.0', private: true, type: 'module', main, scripts: { deploy: 'tide deploy .', dev: 'tide dev .' }, ...extra }, null, 2)}\n`;
}

/** tsconfig.json for type-checking a function (`npx tsc`); `tide deploy` reads only its JSX settings. */
export function tsconfig(extra: Record<string, string> = {}): string {
  const compilerOptions = {
    target: 'ES2022',
    module: 'ESNext',
    moduleResolution: 'Bundler',
    lib: ['ES2022', 'WebWorker'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    ...extra,
  };
  return `${JSON.stringify({ compilerOptions, include: ['src'] }, null, 2)}\n`;
}
