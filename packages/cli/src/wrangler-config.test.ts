import { describe, expect, it } from 'vitest';
import { dnsName } from './locate-function.js';
import { parseJsonc, topLevelTomlStrings } from './wrangler-config.js';

describe('wrangler config', () => {
  it('reads main and name from the top of wrangler.toml, not from its tables', () => {
    const toml = 'name = "my-worker" # the worker\nmain = \'src/worker.ts\'\ncompatibility_date = "2025-01-01"\n\n[vars]\nmain = "not this"\n';
    expect(topLevelTomlStrings(toml)).toEqual({ name: 'my-worker', main: 'src/worker.ts', compatibility_date: '2025-01-01' });
  });

  it('reads wrangler.jsonc with comments and trailing commas, keeping // inside strings', () => {
    const jsonc = '// a worker\n{\n  "name": "api", /* inline */\n  "main": "src/index.ts", // entry\n  "routes": ["https://x.dev/*"],\n}\n';
    expect(parseJsonc(jsonc, 'wrangler.jsonc')).toEqual({ name: 'api', main: 'src/index.ts', routes: ['https://x.dev/*'] });
  });

  it('leaves commas, braces and slashes inside strings alone', () => {
    expect(parseJsonc('{ "main": "a,}/*b*/.js", "routes": ["x", /* last */ ], }', 'wrangler.jsonc')).toEqual({ main: 'a,}/*b*/.js', routes: ['x'] });
  });

  it('names the file that is not valid JSON', () => {
    expect(() => parseJsonc('{ "main": }', 'wrangler.json')).toThrow(/wrangler\.json is not valid JSON/);
  });
});

describe('dnsName', () => {
  it.each([
    ['@acme/My_App', 'my-app'],
    ['hello', 'hello'],
    ['--weird--', 'weird'],
    ['a'.repeat(70), 'a'.repeat(63)],
  ])('%s becomes %s', (input, expected) => {
    expect(dnsName(input)).toBe(expected);
  });
});
