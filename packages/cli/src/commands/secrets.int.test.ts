import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '@tide/testkit/testing';
import { envFileEntries, literalPair, secretData } from './secrets.js';

let dir: Awaited<ReturnType<typeof makeTempDir>> | undefined;
afterEach(async () => {
  await dir?.remove();
  dir = undefined;
});

describe('tide create secret: where the values come from', () => {
  it('keeps a literal exactly, splitting at the first "=", and never echoes a malformed one', () => {
    expect(literalPair('URL=postgres://u:p@h/db?a=b ', 'from-literal')).toEqual(['URL', 'postgres://u:p@h/db?a=b ']);
    expect(() => literalPair('hunter2', 'from-literal')).toThrow(/KEY=VALUE/);
    expect(() => literalPair('hunter2', 'from-literal')).not.toThrow(/hunter2/);
  });

  it('reads env files as kubectl does: blank lines and comments skipped', () => {
    expect(envFileEntries('# db\nUSER=app\n\nPASSWORD=a=b\n', 'f')).toEqual([
      ['USER', 'app'],
      ['PASSWORD', 'a=b'],
    ]);
    expect(() => envFileEntries('oops\n', 'f')).toThrow('f line 1 is not KEY=VALUE');
  });

  it('puts literals, files and env files together, refusing a key given twice or none at all', async () => {
    dir = await makeTempDir();
    const cert = join(dir.path, 'ca.pem');
    const env = join(dir.path, '.env');
    await writeFile(cert, '-----BEGIN-----\n');
    await writeFile(env, 'TOKEN=t\n');
    expect(await secretData({ literals: ['A=1'], files: [`CERT=${cert}`], envFiles: [env] })).toEqual({ A: '1', CERT: '-----BEGIN-----\n', TOKEN: 't' });
    await expect(secretData({ literals: ['A=1', 'A=2'], files: [], envFiles: [] })).rejects.toThrow('key A is given twice');
    await expect(secretData({ literals: [], files: [], envFiles: [] })).rejects.toThrow(/at least one key/);
  });
});
