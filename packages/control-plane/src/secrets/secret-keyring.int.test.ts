import { randomBytes } from 'node:crypto';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '@tide/testkit/testing';
import { secretKeyOf } from '@tide/core';
import { loadSecretKeyring, parseSecretKey, SECRET_KEY_FILE } from './secret-keyring.js';

let dir: Awaited<ReturnType<typeof makeTempDir>> | undefined;
afterEach(async () => {
  await dir?.remove();
  dir = undefined;
});
const quiet = () => {};

describe('the secret keyring', () => {
  it('makes <data>/secret.key (0600) on the first start and reuses it after', async () => {
    dir = await makeTempDir();
    const lines: string[] = [];
    const first = await loadSecretKeyring(dir.path, {}, (line) => lines.push(line));
    expect(lines.join('\n')).toContain(`new key ${first.current.id}`);
    expect((await stat(join(dir.path, SECRET_KEY_FILE))).mode & 0o777).toBe(0o600);
    const again = await loadSecretKeyring(dir.path, {}, quiet);
    expect(again.current.id).toBe(first.current.id);
    expect(again.previous).toEqual([]);
  });

  it('takes a key given as hex, base64 or a file, with previous keys for rotation', async () => {
    dir = await makeTempDir();
    const bytes = randomBytes(32);
    const id = secretKeyOf(new Uint8Array(bytes)).id;
    expect(parseSecretKey(bytes.toString('hex'), 'x').id).toBe(id);
    expect(parseSecretKey(bytes.toString('base64'), 'x').id).toBe(id);
    const file = join(dir.path, 'key');
    await writeFile(file, `${bytes.toString('base64')}\n`);
    const old = randomBytes(32);
    const ring = await loadSecretKeyring(dir.path, { keyFile: file, previous: `${old.toString('hex')},${bytes.toString('hex')}` }, quiet);
    expect(ring.current.id).toBe(id);
    expect(ring.previous.map((k) => k.id)).toEqual([secretKeyOf(new Uint8Array(old)).id]);
  });

  it('refuses a key that is not 32 bytes, naming where it came from and not its text', async () => {
    dir = await makeTempDir();
    const start = loadSecretKeyring(dir.path, { key: 'too-short-a-key' }, quiet);
    await expect(start).rejects.toThrow(/TIDE_SECRET_KEY is not a secret key: give 32 random bytes/);
    await expect(start).rejects.not.toThrow(/too-short/);
  });
});
