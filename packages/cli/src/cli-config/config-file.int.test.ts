import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '@tide/testkit/testing';
import { CliError } from '../api-client.js';
import { configPath, loadConfig, updateConfig } from './config-file.js';
import { setContext, useContext } from './context-edits.js';

let dir: Awaited<ReturnType<typeof makeTempDir>>;
beforeEach(async () => {
  dir = await makeTempDir('tide-cli-config-');
});
afterEach(() => dir.remove());

const LEGACY = {
  current: 'http://127.0.0.1:8080',
  servers: { 'http://127.0.0.1:8080': { tokenFile: '/srv/.tide/admin.token', by: 'up' }, 'https://tide.example.com': { token: 'kept', by: 'login' } },
};

describe('configPath', () => {
  it.each([
    ['TIDE_CONFIG', { TIDE_CONFIG: '/x/cli.json', HOME: '/home/u' }, '/x/cli.json'],
    ['XDG_CONFIG_HOME', { XDG_CONFIG_HOME: '/xdg', HOME: '/home/u' }, '/xdg/tide/config'],
    ['HOME', { HOME: '/home/u' }, '/home/u/.config/tide/config'],
  ])('%s', (_what, env, path) => {
    expect(configPath(env)).toBe(path);
  });
});

describe('the config on disk', () => {
  it('is empty when there is none, and is not made by reading', () => {
    const file = join(dir.path, 'tide', 'config');
    expect(loadConfig(file)).toEqual({ config: { contexts: {} }, readFrom: file });
    expect(() => statSync(file)).toThrow();
  });

  it("reads an earlier release's config.json while config does not exist, and writes config (0600) with its contexts", () => {
    mkdirSync(join(dir.path, 'tide'));
    const legacy = join(dir.path, 'tide', 'config.json');
    const file = join(dir.path, 'tide', 'config');
    writeFileSync(legacy, JSON.stringify(LEGACY));
    expect(loadConfig(file)).toMatchObject({ readFrom: legacy, config: { currentContext: 'tide-up-8080' } });

    updateConfig(file, (config) => useContext(config, 'tide.example.com'));
    const written = JSON.parse(readFileSync(file, 'utf8'));
    expect(written).toEqual({
      apiVersion: 'tide.dev/v1',
      kind: 'Config',
      currentContext: 'tide.example.com',
      contexts: {
        'tide-up-8080': { server: 'http://127.0.0.1:8080', tokenFile: '/srv/.tide/admin.token', by: 'up' },
        'tide.example.com': { server: 'https://tide.example.com', token: 'kept' },
      },
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // The earlier release's file stays for an earlier tide on this machine; this one now reads config.
    expect(JSON.parse(readFileSync(legacy, 'utf8'))).toEqual(LEGACY);
    expect(loadConfig(file).readFrom).toBe(file);
  });

  it('migrates an old-form TIDE_CONFIG in place on its first write', () => {
    const file = join(dir.path, 'cli.json');
    writeFileSync(file, JSON.stringify(LEGACY));
    updateConfig(file, (config) => setContext(config, 'tide-up-8080', { namespace: 'team-a' }));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ apiVersion: 'tide.dev/v1', contexts: { 'tide-up-8080': { namespace: 'team-a' } } });
  });

  it('never overwrites a file it cannot read as a config: the error names the file and what is wrong', () => {
    const file = join(dir.path, 'config');
    writeFileSync(file, '{"apiVersion": "tide.dev/v1", "kind": "Config", "contexts": {"a": {"server": "ftp://x"}}}');
    const attempt = () => updateConfig(file, (config) => setContext(config, 'b', { server: 'http://127.0.0.1:8080' }));
    expect(attempt).toThrow(CliError);
    expect(attempt).toThrow(`the Tide config ${file} is not valid at contexts.a.server: "ftp://x" is not an http(s) URL`);
    expect(readFileSync(file, 'utf8')).toMatch(/ftp:\/\/x/);
  });

  it('leaves the file as it was when an edit is refused, with its exit code', () => {
    const file = join(dir.path, 'config');
    updateConfig(file, (config) => setContext(config, 'a', { server: 'http://127.0.0.1:8080' }));
    const before = readFileSync(file, 'utf8');
    let thrown: unknown;
    try {
      updateConfig(file, (config) => useContext(config, 'nope'));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ exitCode: 2, message: 'there is no context "nope"; the contexts are a' });
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});
