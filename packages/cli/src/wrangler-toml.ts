import { CliError } from './api-client.js';

/**
 * The part of TOML that wrangler.toml files use for what Tide reads of them: `[table]` and
 * `[[array.of.tables]]` headers, and `key = value` with strings, numbers, booleans and arrays of
 * them (arrays may span lines), with comments. Inline tables and dates are not read (their keys are
 * left out): none of `main`, `name`, `[triggers]` or `[[queues.consumers]]` needs them, and a
 * whole TOML parser is not worth a dependency for this.
 */
export function readWranglerToml(text: string, file: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let table = root;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = withoutComment(lines[i]!).trim();
    if (!line) continue;
    const header = /^(\[\[?)\s*([A-Za-z0-9_.\-"' ]+?)\s*(\]\]?)$/.exec(line);
    if (header) {
      const path = header[2]!.split('.').map((k) => k.trim().replace(/^["']|["']$/g, ''));
      table = header[1] === '[[' ? appendTable(root, path, file, i) : tableAt(root, path, file, i);
      continue;
    }
    const assignment = /^("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*=\s*(.*)$/.exec(line);
    if (!assignment) throw new CliError(`${file}: line ${i + 1} is not TOML that Tide reads: ${line.slice(0, 80)}`);
    let value = assignment[2]!;
    // An array may go on over several lines: read until its brackets balance.
    while (value.startsWith('[') && !balanced(value) && i + 1 < lines.length) value += ` ${withoutComment(lines[++i]!).trim()}`;
    const parsed = tomlValue(value.trim());
    if (parsed !== undefined) table[assignment[1]!.replace(/^["']|["']$/g, '')] = parsed;
  }
  return root;
}

function tableAt(root: Record<string, unknown>, path: string[], file: string, line: number): Record<string, unknown> {
  let table = root;
  for (const key of path) {
    const next = table[key] ?? (table[key] = {});
    if (Array.isArray(next)) table = next.at(-1) as Record<string, unknown>;
    else if (typeof next === 'object' && next !== null) table = next as Record<string, unknown>;
    else throw new CliError(`${file}: line ${line + 1}: ${path.join('.')} is both a value and a table`);
  }
  return table;
}

function appendTable(root: Record<string, unknown>, path: string[], file: string, line: number): Record<string, unknown> {
  const parent = tableAt(root, path.slice(0, -1), file, line);
  const key = path.at(-1)!;
  const list = (parent[key] ??= []) as unknown;
  if (!Array.isArray(list)) throw new CliError(`${file}: line ${line + 1}: [[${path.join('.')}]] is already a table`);
  const table = {};
  list.push(table);
  return table;
}

/** A string, number, boolean or array of them; undefined for what is not read (inline tables, dates). */
function tomlValue(text: string): unknown {
  if (text.startsWith('"')) return JSON.parse(text) as string;
  if (text.startsWith("'")) return text.slice(1, -1);
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^[+-]?\d[\d_]*(\.\d+)?$/.test(text)) return Number(text.replace(/_/g, ''));
  if (text.startsWith('[')) return splitArray(text.slice(1, -1)).map(tomlValue);
  return undefined;
}

/** The items of an array's inside, split at top-level commas (a trailing comma allowed). */
function splitArray(inner: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (c === '"' || c === "'") {
      const end = closingQuote(inner, i);
      current += inner.slice(i, end + 1);
      i = end;
      continue;
    }
    if (c === '[') depth++;
    if (c === ']') depth--;
    if (c === ',' && depth === 0) {
      items.push(current.trim());
      current = '';
    } else current += c;
  }
  if (current.trim()) items.push(current.trim());
  return items;
}

function balanced(text: string): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'") i = closingQuote(text, i);
    else if (c === '[') depth++;
    else if (c === ']') depth--;
  }
  return depth === 0;
}

function closingQuote(text: string, start: number): number {
  const quote = text[start]!;
  let i = start + 1;
  while (i < text.length && text[i] !== quote) i += quote === '"' && text[i] === '\\' ? 2 : 1;
  return i;
}

/** The line without a `#` comment (a `#` inside a string stays). */
function withoutComment(line: string): string {
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '"' || c === "'") i = closingQuote(line, i);
    else if (c === '#') return line.slice(0, i);
  }
  return line;
}
