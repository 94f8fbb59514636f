import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { CliError } from '../api-client.js';
import { type CliConfig, parseCliConfig, serializeCliConfig } from './config-format.js';
import type { ConfigEdit } from './context-edits.js';

/** The CLI's config file on disk: found, read, and changed under a lock (config-format.ts says what is in it). */

const FILE_MODE = 0o600;
/** A lock older than this was left by a process that died holding it. */
const STALE_LOCK_MS = 10_000;
const LOCK_ATTEMPTS = 500;

/** TIDE_CONFIG, else $XDG_CONFIG_HOME/tide/config, else ~/.config/tide/config. */
export function configPath(env: Readonly<Record<string, string | undefined>>): string {
  if (env.TIDE_CONFIG) return env.TIDE_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'tide', 'config');
}

/** Earlier releases wrote `config.json` where this one writes `config`: it is read while `config` does not exist. */
export function legacyConfigPath(file: string): string | undefined {
  return basename(file) === 'config' ? join(dirname(file), 'config.json') : undefined;
}

export interface LoadedConfig {
  config: CliConfig;
  /** The file it came from (the earlier release's, until the CLI first writes), for messages. */
  readFrom: string;
}

/** The contexts in `file` (or its earlier release's file), none if neither exists; a file that is not one says where and what is wrong. */
export function loadConfig(file: string): LoadedConfig {
  for (const candidate of [file, legacyConfigPath(file)]) {
    if (candidate === undefined) continue;
    const text = readText(candidate);
    if (text === undefined) continue;
    const parsed = parseCliConfig(text);
    if (!parsed.ok) throw new CliError(`the Tide config ${candidate} ${parsed.problem}: fix it (or remove it and log in again)`);
    return { config: parsed.config, readFrom: candidate };
  }
  return { config: { contexts: {} }, readFrom: file };
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(`cannot read the Tide config ${file}: ${(error as Error).message}`);
  }
}

/**
 * Reads, changes and writes the file under a lock, so that two `tide up`s or logins at once both
 * keep their context; the write is whole (rename) and 0600 from its first byte, as it may hold
 * tokens, and always in the current form. An edit that is refused, or a file that cannot be read
 * as a config, leaves the file as it is.
 */
export function updateConfig(file: string, edit: (config: CliConfig) => ConfigEdit): { config: CliConfig; said: string } {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const lock = `${file}.lock`;
  holdLock(lock);
  try {
    const result = edit(loadConfig(file).config);
    if (!result.ok) throw new CliError(result.problem, result.exitCode);
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, serializeCliConfig(result.config), { mode: FILE_MODE });
    chmodSync(temporary, FILE_MODE);
    renameSync(temporary, file);
    return { config: result.config, said: result.said };
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
