import { createRequire } from 'node:module';

/** Absolute path of @tide/runtime's built process entry (dist/main.js). */
export function defaultRuntimeEntry(): string {
  return createRequire(import.meta.url).resolve('@tide/runtime/main');
}
