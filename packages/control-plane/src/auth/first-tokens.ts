import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashSecret, newTokenSecret, parseToken, secretMatches, type StateStore, type TokenSubject } from '@tide/core';

/** Token files in the data directory, readable by the control plane's user only. */
export const ADMIN_TOKEN_FILE = 'admin.token';
export const BOOTSTRAP_TOKEN_FILE = 'bootstrap.token';
const FILE_MODE = 0o600;
/** Fold rules that know tokens (TokenCreated): an older cluster gets its tokens once its leader raises the rules. */
const TOKENS_SINCE_RULES = 4;

interface FirstToken {
  name: string;
  subject: TokenSubject;
  file: string;
  /** The full token an operator gave (TIDE_ADMIN_TOKEN / TIDE_BOOTSTRAP_TOKEN), and where it came from. */
  given: string | undefined;
  givenBy: string;
}

export interface FirstTokens {
  adminToken: string | undefined;
  bootstrapToken: string | undefined;
}

/**
 * A cluster's first tokens: on a log with no token yet, `admin` (admin on every namespace) and
 * `bootstrap` (for nodes to join), each written to its file in the data directory (0600) for
 * the operator and `tide up`, never printed. A token given by the operator is used as it is (and
 * made, if the log lacks it). What an earlier start made is read back from its file.
 */
export async function ensureFirstTokens(
  store: StateStore,
  dataDir: string,
  given: { adminToken?: string | undefined; bootstrapToken?: string | undefined },
  report: (line: string) => void,
): Promise<FirstTokens> {
  const wanted: FirstToken[] = [
    {
      name: 'admin',
      subject: { kind: 'user', roles: [{ role: 'admin', namespaces: ['*'] }] },
      file: join(dataDir, ADMIN_TOKEN_FILE),
      given: given.adminToken,
      givenBy: 'TIDE_ADMIN_TOKEN',
    },
    {
      name: 'bootstrap',
      subject: { kind: 'node-bootstrap' },
      file: join(dataDir, BOOTSTRAP_TOKEN_FILE),
      given: given.bootstrapToken,
      givenBy: 'TIDE_BOOTSTRAP_TOKEN',
    },
  ];
  for (const token of wanted) checkGiven(token);
  await rulesThatKnowTokens(store, report);
  // Only a log that never had a token gets new ones unasked: a revoked admin token stays revoked.
  const firstStart = store.state().tokens.size === 0;
  const results: (string | undefined)[] = [];
  for (const token of wanted) results.push(await ensureOne(store, token, firstStart, report));
  // Each start says where the admin token is (never what it is), as long as its file is there.
  if (!firstStart && results[0] !== undefined && given.adminToken === undefined) report(`admin token: ${wanted[0]!.file}`);
  return { adminToken: results[0], bootstrapToken: results[1] };
}

function checkGiven({ name, given, givenBy }: Pick<FirstToken, 'name' | 'given' | 'givenBy'>): void {
  if (given === undefined) return;
  const parsed = parseToken(given);
  if (!parsed || parsed.name !== name || !/^[0-9a-f]{64}$/.test(parsed.secret))
    throw new Error(`${givenBy} must be a whole token: tide_${name}_<64 hex digits> (as \`openssl rand -hex 32\` gives)`);
}

/** Refuses a given token that is not one, before anything is opened. */
export function checkGivenTokens(given: { adminToken?: string | undefined; bootstrapToken?: string | undefined }): void {
  checkGiven({ name: 'admin', given: given.adminToken, givenBy: 'TIDE_ADMIN_TOKEN' });
  checkGiven({ name: 'bootstrap', given: given.bootstrapToken, givenBy: 'TIDE_BOOTSTRAP_TOKEN' });
}

async function ensureOne(store: StateStore, token: FirstToken, firstStart: boolean, report: (line: string) => void): Promise<string | undefined> {
  const existing = store.state().tokens.get(token.name);
  if (existing) {
    if (token.given !== undefined) {
      if (!secretMatches(parseToken(token.given)!.secret, existing.secretHash))
        report(`warning: ${token.givenBy} is not the token ${token.name} in the log (revoke it first to replace it): ignored`);
      else return token.given;
    }
    return readTokenFile(token.file);
  }
  if (token.given === undefined && !firstStart) return readTokenFile(token.file);
  const made = token.given === undefined ? newTokenSecret(token.name) : { token: token.given, secretHash: hashSecret(parseToken(token.given)!.secret) };
  const [result] = await store.append([{ type: 'TokenCreated', data: { name: token.name, spec: { subject: token.subject }, secretHash: made.secretHash } }]);
  if (!result!.verdict.accepted) {
    // Another control plane on the same log made it first: its file is on its machine.
    report(`token ${token.name} was not made here: ${result!.verdict.reason}`);
    return readTokenFile(token.file);
  }
  await writeTokenFile(token.file, made.token);
  report(`${token.name === 'admin' ? 'admin token' : 'node bootstrap token'} created: ${token.file} (mode 0600)`);
  return made.token;
}

async function readTokenFile(file: string): Promise<string | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  return text?.trim() || undefined;
}

/** Written whole or not at all, 0600 from its first byte. */
async function writeTokenFile(file: string, token: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${token}\n`, { mode: FILE_MODE });
  await chmod(temporary, FILE_MODE);
  await rename(temporary, file);
}

/** Waits (bounded by the leader's raise, which a lone control plane makes within its lease grace) until the fold knows tokens. */
async function rulesThatKnowTokens(store: StateStore, report: (line: string) => void): Promise<void> {
  if (store.state().rulesVersion >= TOKENS_SINCE_RULES) return;
  report(`the log runs fold rules version ${store.state().rulesVersion}: the first tokens are made once the leader raises it to ${TOKENS_SINCE_RULES}`);
  await new Promise<void>((resolve) => {
    const unsubscribe = store.subscribe(() => {
      if (store.state().rulesVersion < TOKENS_SINCE_RULES) return;
      unsubscribe();
      resolve();
    });
  });
}
