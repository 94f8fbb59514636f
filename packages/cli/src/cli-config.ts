import { closeSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { CliError } from './api-client.js';

/**
 * The CLI's own file, in kubeconfig's role: which server `tide` talks to when neither --server nor
 * TIDE_SERVER says, and the credential it shows each server — a token `tide login` stored, or the
 * admin token file of a `tide up` on this machine (named, never copied: revoking it there is enough).
 */
const ServerEntry = z.strictObject({
  token: z.string().min(1).optional(),
  tokenFile: z.string().min(1).optional(),
  /** Who wrote the entry: `tide up` removes its own when it stops, never a login's. */
  by: z.enum(['login', 'up']),
});
const CliConfigFile = z.strictObject({
  current: z.string().optional(),
  servers: z.record(z.string(), ServerEntry).default({}),
});
export type ServerEntry = z.infer<typeof ServerEntry>;
export type CliConfig = z.infer<typeof CliConfigFile>;

const FILE_MODE = 0o600;
/** A lock older than this was left by a process that died holding it. */
const STALE_LOCK_MS = 10_000;
const LOCK_ATTEMPTS = 500;

/** TIDE_CONFIG, else $XDG_CONFIG_HOME/tide/config.json, else ~/.config/tide/config.json. */
export function configPath(env: Readonly<Record<string, string | undefined>>): string {
  if (env.TIDE_CONFIG) return env.TIDE_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'tide', 'config.json');
}

/** The file's contents (empty when there is none); a file that is not one says where and what is wrong. */
export function readConfig(file: string): CliConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { servers: {} };
    throw new CliError(`cannot read the Tide config ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(`the Tide config ${file} is not JSON (${(error as Error).message}): fix it or remove it and log in again`);
  }
  const result = CliConfigFile.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new CliError(`the Tide config ${file} is not valid at ${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  return result.data;
}

/**
 * Reads, changes and writes the file under a lock, so that two `tide up`s or logins at once both
 * keep their entry; the write is whole (rename) and 0600 from its first byte, as it may hold tokens.
 */
export function updateConfig(file: string, change: (config: CliConfig) => CliConfig): CliConfig {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const lock = `${file}.lock`;
  holdLock(lock);
  try {
    const next = change(readConfig(file));
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(next, null, 2)}\n`, { mode: FILE_MODE });
    chmodSync(temporary, FILE_MODE);
    renameSync(temporary, file);
    return next;
  } finally {
    rmSync(lock, { force: true });
  }
}

function holdLock(lock: string): void {
  for (let attempt = 0; attempt < LOCK_ATTEMPTS; attempt++) {
    try {
      closeSync(openSync(lock, 'wx', FILE_MODE));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new CliError(`cannot lock the Tide config (${lock}): ${(error as Error).message}`);
    }
    const age = Date.now() - (statSafe(lock) ?? Date.now());
    if (age > STALE_LOCK_MS) rmSync(lock, { force: true });
    else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  }
  throw new CliError(`the Tide config is locked by another tide (${lock}): remove the lock file if no tide is writing it`);
}

function statSafe(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}
