import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { CliError } from '../api-client.js';
import { dnsName } from '../locate-function.js';
import { TEMPLATES, isTemplateName } from './templates/function-templates.js';

export interface InitResult {
  dir: string;
  name: string;
  files: string[];
  /** Commands that take the new function to a deployed one, in order. */
  next: string[];
}

/** `tide init <dir> --template T`: writes a new function that deploys as it is into a new or empty directory. */
export function initFunction(path: string, template: string): InitResult {
  if (!isTemplateName(template)) {
    const list = Object.entries(TEMPLATES)
      .map(([name, t]) => `  ${name.padEnd(12)}${t.summary}`)
      .join('\n');
    throw new CliError(`unknown template "${template}": use one of\n${list}`, 2);
  }
  const dir = resolve(path);
  if (existsSync(dir) && (!statSync(dir).isDirectory() || readdirSync(dir).length > 0)) {
    throw new CliError(`${path} is not empty: tide init writes a new function into a new or empty directory`);
  }
  const name = dnsName(basename(dir)) || 'my-function';
  const files = TEMPLATES[template].files(name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  const missing = TEMPLATES[template].dependencies.filter((dependency) => !installedAbove(dir, dependency));
  const next = [...(dir === process.cwd() ? [] : [`cd ${path}`]), ...(missing.length ? ['npm install'] : []), 'tide deploy .', `tide invoke ${name}`];
  return { dir, name, files: Object.keys(files), next };
}

/** Whether Node's resolution from `dir` finds the package: in a node_modules here or in a parent directory. */
function installedAbove(dir: string, pkg: string): boolean {
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(join(at, 'node_modules', pkg, 'package.json'))) return true;
    if (dirname(at) === at) return false;
  }
}
