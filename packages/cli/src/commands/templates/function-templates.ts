import type { FunctionTemplate } from './template-files.js';
import { helloTemplate } from './hello-template.js';
import { honoTemplate } from './hono-template.js';
import { typescriptTemplate } from './typescript-template.js';

export const TEMPLATES = { hello: helloTemplate, hono: honoTemplate, typescript: typescriptTemplate } as const satisfies Record<string, FunctionTemplate>;

export type TemplateName = keyof typeof TEMPLATES;

export function isTemplateName(name: string): name is TemplateName {
  return Object.hasOwn(TEMPLATES, name);
}
