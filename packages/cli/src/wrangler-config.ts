import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from './api-client.js';

/** Wrangler's own order when a directory holds more than one config file. */
export const WRANGLER_FILES = ['wrangler.json', 'wrangler.jsonc', 'wrangler.toml'] as const;

/** The `main` and `name` of a Workers project's wrangler config, if it has one. */
export function wranglerMain(dir: string): { file: string; main?: string; name?: string } | undefined {
  const file = WRANGLER_FILES.find((f) => existsSync(join(dir, f)));
  if (!file) return undefined;
  const text = readFileSync(join(dir, file), 'utf8');
  const config = file.endsWith('.toml') ? topLevelTomlStrings(text) : parseJsonc(text, file);
  return {
    file,
    ...(typeof config.main === 'string' ? { main: config.main } : {}),
    ...(typeof config.name === 'string' ? { name: config.name } : {}),
  };
}

/**
 * The string keys before the first [table] of a TOML file: all Tide needs of wrangler.toml is
 * `main` and `name`, which TOML puts at the top level, so a whole TOML parser is not worth a dependency.
 */
export function topLevelTomlStrings(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*\[/.test(line)) break;
    const match = /^\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)')\s*(?:#.*)?$/.exec(line);
    if (match) out[match[1]!] = match[2] !== undefined ? (JSON.parse(`"${match[2]}"`) as string) : match[3]!;
  }
  return out;
}

/** JSON with comments and trailing commas, as wrangler.jsonc (and wrangler.json) allow. */
export function parseJsonc(text: string, file: string): Record<string, unknown> {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      const end = endOfString(text, i);
      out += text.slice(i, end);
      i = end - 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 1;
    } else if (c === ',' && /^\s*[}\]]/.test(withoutComments(text.slice(i + 1)))) {
      // a trailing comma: dropped
    } else out += c;
  }
  try {
    return JSON.parse(out) as Record<string, unknown>;
  } catch (error) {
    throw new CliError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

/** The start of `text` with its leading whitespace and comments skipped (enough to see what follows a comma). */
function withoutComments(text: string): string {
  return text.replace(/^(?:\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*/, '');
}

/** Index just past the string literal that opens at `start`. */
function endOfString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
  return i + 1;
}
