import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cliEntry, repoRoot } from '../support/tide-process.js';

/**
 * Every command of `tide help`, tried with a flag it does not take, without its arguments and with
 * one argument too many: each is a usage error (exit 2) whose message names what is wrong, and
 * nothing runs. The commands and their arguments are read from the CLI's own help, so a new
 * command is covered as soon as it is listed.
 */
function tide(args: string[]) {
  const result = spawnSync(process.execPath, [cliEntry, ...args], {
    cwd: repoRoot,
    // Nothing listens there: a command that got past its usage check would fail with exit 1, not 2.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', TIDE_SERVER: 'http://127.0.0.1:1' },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const overview = tide(['help']);
const commands = [...overview.stdout.matchAll(/^ {2}([a-z-]+) {3,}/gm)].map((m) => m[1]!);

/** The usage line's arguments: `tide rollout status|undo <function> [flags]` → [['status','undo'], 'function']. */
function argumentsOf(command: string): { required: (string | string[])[]; optional: (string | string[])[] } {
  const usage = /^Usage: tide \S+(.*)$/m.exec(tide(['help', command]).stdout)?.[1] ?? '';
  const words = usage
    .trim()
    .split(/\s+/)
    .filter((w) => w && w !== '[flags]');
  const required = words.filter((w) => !w.startsWith('[')).map((w) => (w.startsWith('<') ? w.slice(1, -1) : w.split('|')));
  // `[functions|nodes]`: an optional argument with choices; `[name]`: a plain one.
  const optional = words.filter((w) => w.startsWith('[')).map((w) => (w.includes('|') ? w.slice(1, -1).split('|') : w.slice(1, -1)));
  return { required, optional };
}

/** A valid-looking value for each required argument: the first choice, or a plain word. */
const filled = (required: (string | string[])[]) => required.map((a) => (Array.isArray(a) ? a[0]! : a === 'dir' ? 'functions/hello' : 'x'));

describe('tide help', () => {
  it('lists the commands, with exit codes', () => {
    expect(overview.code).toBe(0);
    expect(commands).toEqual(expect.arrayContaining(['up', 'deploy', 'invoke', 'get', 'delete', 'logs', 'rollout', 'completion', 'version', 'help']));
    expect(overview.stdout).toMatch(/Exit codes: 0 done, 1 failed .*, 2 wrong usage/);
  });

  it.each(['deploy', 'get', 'node'])('tide help %s and tide %s --help show its flags and examples', (command) => {
    const viaHelp = tide(['help', command]);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toMatch(new RegExp(`^Usage: tide ${command}`, 'm'));
    expect(viaHelp.stdout).toMatch(/Examples:\n {2}# /);
    expect(tide([command, '--help']).stdout).toBe(viaHelp.stdout);
  });

  it('tide version and --version print the version', () => {
    expect(tide(['version']).stdout).toMatch(/^tide \d+\.\d+\.\d+ \(node v\d+/);
    expect(tide(['--version']).stdout).toBe(tide(['version']).stdout);
  });

  it.each(['bash', 'zsh'])('tide completion %s prints a script that bash can load', (shell) => {
    const script = tide(['completion', shell]);
    expect(script.code).toBe(0);
    expect(script.stdout).toMatch(/complete -o default -F _tide tide/);
    if (shell === 'bash') expect(spawnSync('bash', ['-n'], { input: script.stdout }).status).toBe(0);
  });

  it('names an unknown command', () => {
    const result = tide(['deplyo']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown command "deplyo"/);
  });
});

describe.each(commands)('tide %s', (command) => {
  const { required, optional } = argumentsOf(command);

  it('refuses a flag it does not take, naming it', () => {
    const result = tide([command, ...filled(required), '--no-such-flag']);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`tide ${command} does not take --no-such-flag`));
  });

  it.runIf(required.length > 0)('refuses to run without its arguments, naming the missing one', () => {
    const result = tide([command]);
    expect(result.code, result.stderr).toBe(2);
    const first = required[0]!;
    expect(result.stderr).toMatch(Array.isArray(first) ? `one of ${first.join(', ')}` : `<${first}>`);
  });

  it('refuses an argument too many, naming it', () => {
    const args = [...filled(required), ...filled(optional), 'extra-word'];
    const result = tide([command, ...args]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/unexpected "extra-word"/);
  });
});
