import { randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SECRET_KEY_BYTES, secretKeyOf, type SecretKey, type SecretKeyring } from '@tide/core';
import { StartupError } from '@tide/process';

/** Where a control plane given no key keeps the one it made on its first start (0600). */
export const SECRET_KEY_FILE = 'secret.key';

/** Where the keys come from: TIDE_SECRET_KEY(_FILE) and TIDE_SECRET_KEY_PREVIOUS(_FILE), as the operator gave them. */
export interface SecretKeySettings {
  /** 32 bytes, base64 or hex (TIDE_SECRET_KEY). */
  key?: string;
  /** A file holding such a key (TIDE_SECRET_KEY_FILE). */
  keyFile?: string;
  /** Keys replaced by the current one, still opening what they sealed until `tide secret reencrypt` (TIDE_SECRET_KEY_PREVIOUS, comma-separated). */
  previous?: string;
  /** A file of such keys, one a line (TIDE_SECRET_KEY_PREVIOUS_FILE). */
  previousFile?: string;
}

/** 32 bytes from 64 hex digits or base64 (standard or url-safe), else a StartupError naming where the text came from (never the text). */
export function parseSecretKey(text: string, source: string): SecretKey {
  const trimmed = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)
      ? Buffer.from(trimmed, 'base64')
      : undefined;
  if (bytes?.length !== SECRET_KEY_BYTES)
    throw new StartupError(
      `${source} is not a secret key: give ${SECRET_KEY_BYTES} random bytes as 64 hex digits or base64 (e.g. \`openssl rand -base64 32\`)`,
      2,
    );
  return secretKeyOf(new Uint8Array(bytes));
}

async function readKeyFile(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new StartupError(`cannot read ${what} ${file}: ${(error as Error).message}`, 2);
  }
}

/**
 * The keyring of a control plane: the key given (TIDE_SECRET_KEY or its file), else the one in
 * `<data>/secret.key`, made on the first start. Several control planes (Kafka) must share one key,
 * so there each must be given it: a key made per data directory would open only its own seals.
 */
export async function loadSecretKeyring(dataDir: string, settings: SecretKeySettings, report: (line: string) => void): Promise<SecretKeyring> {
  if (settings.key !== undefined && settings.keyFile !== undefined) throw new StartupError('give TIDE_SECRET_KEY or TIDE_SECRET_KEY_FILE, not both', 2);
  const current =
    settings.key !== undefined
      ? parseSecretKey(settings.key, 'TIDE_SECRET_KEY')
      : settings.keyFile !== undefined
        ? parseSecretKey(await readKeyFile(settings.keyFile, 'TIDE_SECRET_KEY_FILE'), settings.keyFile)
        : await keptKey(join(dataDir, SECRET_KEY_FILE), report);
  const previousTexts = [
    ...(settings.previous ?? '').split(',').map((text, i) => ({ text, source: `TIDE_SECRET_KEY_PREVIOUS (key ${i + 1})` })),
    ...(settings.previousFile === undefined ? [] : (await readKeyFile(settings.previousFile, 'TIDE_SECRET_KEY_PREVIOUS_FILE')).split('\n')).map((text, i) => ({
      text,
      source: `${settings.previousFile} (line ${i + 1})`,
    })),
  ].filter(({ text }) => text.trim() !== '');
  const previous = previousTexts.map(({ text, source }) => parseSecretKey(text, source)).filter((key) => key.id !== current.id);
  return { current, previous };
}

/** The key in `file`, or a new random one written there (readable by this user only) when there is none. */
async function keptKey(file: string, report: (line: string) => void): Promise<SecretKey> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new StartupError(`cannot read the secret key ${file}: ${error.message}`);
  });
  if (text !== undefined) return parseSecretKey(text, file);
  const made = randomBytes(SECRET_KEY_BYTES);
  // 'wx': of two starts racing on one directory, the second fails here rather than overwrite the key the first sealed with.
  await writeFile(file, `${made.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(file, 0o600);
  const key = secretKeyOf(new Uint8Array(made));
  report(`secrets are sealed with a new key ${key.id} kept in ${file} (back it up; or give TIDE_SECRET_KEY)`);
  return key;
}
